package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRelatedFiltersKeepTheClientHidden reproduces the oracle of a reassigned client: once
// management hands client C1 over to S2, S1 keeps C1's contracts K1 and K2 and its event E1 but
// can no longer read C1. The client filters of S1's contract and event lists must then match
// nothing, whether the value is C1's exact email or a wrong guess: a filter that matched the
// exact email would let S1 recover it one character at a time.
func TestRelatedFiltersKeepTheClientHidden(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		resp, body := e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"sales_contact_id":{S2}}`})
		require.Equal(t, 200, resp.StatusCode, "body: %s", body)
		resp, _ = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/{C1}"})
		require.Equal(t, 404, resp.StatusCode, "S1 can no longer read C1")
		require.Equal(t, e.idsOf("K1", "K2"), e.listIDs(t, "S1", "/api/v1/contracts"), "S1 keeps C1's contracts")
		require.Equal(t, e.idsOf("E1"), e.listIDs(t, "S1", "/api/v1/events"), "S1 keeps C1's event")

		const email, guess = "carla@acme.example", "carla@acme.examplx"
		for _, path := range []string{
			"/api/v1/contracts?client_email=" + url.QueryEscape(email),
			"/api/v1/contracts?client_email=" + url.QueryEscape(guess),
			"/api/v1/contracts?client_email=carla",
			"/api/v1/contracts?client_first_name=Carla",
			"/api/v1/contracts?client_last_name=Client",
			"/api/v1/contracts?q=Acme",
			"/api/v1/contracts?q=carla%40acme",
			"/api/v1/events?client_email=" + url.QueryEscape(email),
			"/api/v1/events?client_first_name=Carla",
		} {
			assert.Empty(t, e.listIDs(t, "S1", path), "S1: %s matches through a client S1 cannot read", path)
		}

		// The same filters still find the contracts of a client the caller can read.
		assert.Equal(t, e.idsOf("K1", "K2"), e.listIDs(t, "M", "/api/v1/contracts?client_email="+url.QueryEscape(email)))
		assert.Equal(t, e.idsOf("K1", "K2"), e.listIDs(t, "M", "/api/v1/contracts?q=Acme"))
		assert.Equal(t, e.idsOf("E1"), e.listIDs(t, "M", "/api/v1/events?client_first_name=Carla"))
		assert.Equal(t, e.idsOf("K1"), e.listIDs(t, "P1", "/api/v1/contracts?client_email="+url.QueryEscape(email)),
			"P1 reads C1 and K1 through E1")
	})
}
