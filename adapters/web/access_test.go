package web_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestWhoCanSeeThis checks the "Who can see this?" page of a record: management sees every
// active user with whether they may read and change it and why; others get 403 on a record they
// read, 404 on one they do not.
func TestWhoCanSeeThis(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Carla", "Client", "Acme")
	k := e.signedContract(e.sales, c, "1000.00")
	ev := e.event(e.sales, k, "Gala", e.support)

	mgr := e.loggedIn(e.mgr)
	p := mgr.get("/admin/clients/" + itoa(c.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `href="/admin/clients/`+itoa(c.ID)+`/access"`, "the record page links to it")

	p = mgr.get("/admin/clients/" + itoa(c.ID) + "/access")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Who can see this?")
	assert.Contains(t, p.Body, "own: the client&#39;s sales contact is "+e.sales.Username)
	assert.Contains(t, p.Body, "own: the client&#39;s sales contact is "+e.sales.Username+", not "+e.sales2.Username)
	assert.Contains(t, p.Body, "assigned: "+e.support.Username+" is the support contact of an event of this client")

	p = mgr.get("/admin/events/" + itoa(ev.ID) + "/access")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "assigned: the event&#39;s support contact is "+e.support.Username+", not "+e.support2.Username)
	p = mgr.get("/admin/users/" + itoa(e.sales.ID) + "/access")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "self: this is "+e.sales.Username+"&#39;s own account")

	sales := e.loggedIn(e.sales)
	p = sales.get("/admin/clients/" + itoa(c.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "/access", "no link for those who may not use it")
	assert.Equal(t, http.StatusForbidden, sales.get("/admin/clients/"+itoa(c.ID)+"/access").Status)
	assert.Equal(t, http.StatusNotFound, e.loggedIn(e.sales2).get("/admin/clients/"+itoa(c.ID)+"/access").Status)
	assert.Equal(t, http.StatusNotFound, mgr.get("/admin/clients/999999/access").Status)
}

// TestAccessReviewPage checks the access review page: management only, one row per permission
// with the records it reaches, and deactivated users holding credentials flagged.
func TestAccessReviewPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.client(e.sales, "Carla", "Client", "Acme")
	e.client(e.sales, "Dora", "Client", "Acme")
	gone := e.user("gone", "Gone", "Away", crm.RoleSupport)
	goneBrowser := e.loggedIn(gone) // a session in the database
	_ = goneBrowser
	_, err := e.svc.UpdateUser(e.as(e.mgr), gone.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)

	mgr := e.loggedIn(e.mgr)
	p := mgr.get("/admin/")
	assert.Contains(t, p.Body, `href="/admin/access-review"`, "management has the link")
	p = mgr.get("/admin/access-review")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Access review")
	assert.Regexp(t, `>`+e.sales.Username+`</a>.*?<td[^>]*>client</td><td[^>]*>read</td><td[^>]*>own</td><td[^>]*class="num">2 clients</td>`, p.Body)
	assert.Regexp(t, `Deactivated users who still hold credentials[\s\S]*>gone</a>`, p.Body)

	sales := e.loggedIn(e.sales)
	assert.NotContains(t, sales.get("/admin/").Body, "access-review")
	assert.Equal(t, http.StatusForbidden, sales.get("/admin/access-review").Status)
}
