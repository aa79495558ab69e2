package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNotificationSettings checks that each user reads and changes their own reminder
// settings, that kinds left out keep theirs, and that bad input changes nothing.
func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		all := `{"event_without_support":true,"contract_unpaid":true,"event_tomorrow":true,"assigned":true}`
		resp, b := e.do(t, req{who: "P1", method: "GET", path: "/api/v1/me/notifications"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.JSONEq(t, all, string(b), "every reminder is on by default")

		resp, b = e.do(t, req{who: "P1", method: "PUT", path: "/api/v1/me/notifications", body: `{"event_tomorrow": false}`})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		off := `{"event_without_support":true,"contract_unpaid":true,"event_tomorrow":false,"assigned":true}`
		assert.JSONEq(t, off, string(b))
		resp, b = e.do(t, req{who: "P1", method: "PUT", path: "/api/v1/me/notifications", body: `{"assigned": false}`})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.JSONEq(t, `{"event_without_support":true,"contract_unpaid":true,"event_tomorrow":false,"assigned":false}`, string(b))

		for _, body := range []string{`{"weekly": true}`, `{"assigned": "no"}`, `[]`} {
			resp, b = e.do(t, req{who: "P1", method: "PUT", path: "/api/v1/me/notifications", body: body})
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, resp.StatusCode, "%s: %s", body, b)
		}
		resp, b = e.do(t, req{who: "P1", method: "GET", path: "/api/v1/me/notifications"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.JSONEq(t, `{"event_without_support":true,"contract_unpaid":true,"event_tomorrow":false,"assigned":false}`, string(b),
			"refused input changed nothing")

		resp, b = e.do(t, req{who: "P2", method: "GET", path: "/api/v1/me/notifications"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.JSONEq(t, all, string(b), "settings are each user's own")
		resp, _ = e.do(t, req{method: "GET", path: "/api/v1/me/notifications"})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}
