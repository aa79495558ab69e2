package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestDeletePageListsBlockers checks that a delete page lists what refers to the record, within
// the caller's read scope, counts the others without details, and offers no deletion certain to
// fail; a record nothing refers to keeps its button.
func TestDeletePageListsBlockers(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join("..", "..", "policy", "policy.csv"))
	require.NoError(t, err)
	pol, err := policy.Parse("sales-delete.csv", append(text, []byte("p, sales, client, delete, own\n")...))
	require.NoError(t, err)
	e := newEnvWith(t, sqlitetest.New(t), web.Config{}, pol)
	c := e.client(e.sales, "Blocked", "Client", "Acme")
	mine := e.signedContract(e.sales, c, "100.00")
	theirs := e.signedContract(e.sales, c, "200.00")
	_, err = e.svc.UpdateContract(e.as(e.mgr), theirs.ID, crm.ContractInput{SalesContactID: crm.Some(&e.sales2.ID)}, 0)
	require.NoError(t, err)
	ev := e.event(e.sales, mine, "Launch", nil)
	free := e.client(e.sales, "Free", "Client", "Acme")

	b := e.loggedIn(e.sales)
	p := b.get("/admin/clients/" + itoa(c.ID) + "/delete")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `id="delete-blockers"`)
	assert.Contains(t, p.Body, "it is referred to by 3 records")
	assert.Contains(t, p.Body, "1 of them are outside what you may see")
	assert.Contains(t, p.Body, `href="/admin/contracts/`+itoa(mine.ID)+`"`)
	assert.NotContains(t, p.Body, `href="/admin/contracts/`+itoa(theirs.ID)+`"`, "no detail of a contract sam may not read")
	assert.Contains(t, p.Body, `href="/admin/events/`+itoa(ev.ID)+`"`)
	assert.NotContains(t, p.Body, "Yes, delete it")
	assert.Contains(t, p.Body, "Contracts (1 shown)")
	assert.Contains(t, p.Body, "Events (1 shown)")

	m := e.loggedIn(e.mgr)
	p = m.get("/admin/clients/" + itoa(c.ID) + "/delete")
	assert.Contains(t, p.Body, `href="/admin/contracts/`+itoa(theirs.ID)+`"`, "management sees every blocker")
	assert.NotContains(t, p.Body, "outside what you may see")
	p = m.get("/admin/users/" + itoa(e.sales2.ID) + "/delete")
	assert.Contains(t, p.Body, "it is referred to by 1 record", "sofia is the contact of one contract")
	assert.NotContains(t, p.Body, "Yes, delete it")

	p = b.get("/admin/clients/" + itoa(free.ID) + "/delete")
	assert.NotContains(t, p.Body, `id="delete-blockers"`)
	assert.Contains(t, p.Body, "Yes, delete it")

	b.get("/admin/preferences")
	require.Equal(t, http.StatusSeeOther, b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}}).Status)
	p = b.get("/admin/clients/" + itoa(c.ID) + "/delete")
	assert.Contains(t, p.Body, "Contrats (1 affiché)", "the French plural follows the count")
}
