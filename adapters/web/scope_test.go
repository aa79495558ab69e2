package web_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestContractSearchCountKeepsTheClientHidden reproduces the count oracle of a reassigned
// client: once management hands the client over to another sales user, its former sales user
// keeps the contract but can no longer read the client, so searching contracts by the client's
// company must say "No results", as for any company that does not exist, and never "1 result".
func TestContractSearchCountKeepsTheClientHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Hilda", "Hidden", "Hidden Corp")
	e.event(e.sales, e.signedContract(e.sales, c, "1500.00"), "Hidden gala", nil)
	_, err := e.svc.UpdateClient(e.as(e.mgr), c.ID, crm.ClientInput{SalesContactID: crm.Some(&e.sales2.ID)}, 0)
	require.NoError(t, err)

	b := e.loggedIn(e.sales)
	client := b.get("/admin/clients/" + itoa(c.ID))
	assert.Equal(t, http.StatusNotFound, client.Status, "the client is no longer theirs")
	showing := func(b *browser, path string) string {
		t.Helper()
		page := b.get(path)
		require.Equal(t, http.StatusOK, page.Status, path)
		return regexp1(t, page.Body, `id="showing">([^<]*)<`)
	}
	assert.Equal(t, "1 result", showing(b, "/admin/contracts"), "the contract is still theirs")
	assert.Equal(t, "1 result", showing(b, "/admin/events"), "so is its event")
	for _, path := range []string{"/admin/contracts?q=Hidden+Corp", "/admin/contracts?q=Nobody+Corp",
		"/admin/contracts?client_first_name=Hilda", "/admin/events?client_first_name=Hilda"} {
		assert.Equal(t, "No results", showing(b, path), path)
	}

	m := e.loggedIn(e.mgr)
	assert.Equal(t, "1 result", showing(m, "/admin/contracts?q=Hidden+Corp"), "management reads the client")
	assert.Equal(t, "1 result", showing(m, "/admin/events?client_first_name=Hilda"))
}
