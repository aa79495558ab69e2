package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// A history page names who made each change as they were then: renaming a user (even to
// another user's name) does not rewrite the changes they made before.
func TestHistoryShowsActorsAsTheyWere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	mgr, err := e.svc.GetUser(e.as(e.mgr), e.mgr.ID)
	require.NoError(t, err)
	renamed, err := e.svc.UpdateUser(e.as(e.mgr), e.sales.ID, crm.UserInput{Username: crm.Some("ada.m"),
		FirstName: crm.Some(mgr.FirstName), LastName: crm.Some(mgr.LastName)}, 0)
	require.NoError(t, err)
	_, err = e.svc.UpdateClient(e.as(renamed), c.ID, crm.ClientInput{Company: crm.Some("Acme Group")}, 0)
	require.NoError(t, err)

	p := e.loggedIn(e.mgr).get("/admin/clients/" + itoa(c.ID) + "/history")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Sam Keller (sam)", "the creation shows the creator as they were")
	assert.Contains(t, p.Body, mgr.FullName()+" (ada.m)", "the later change shows the new name and username")
	assert.Equal(t, 1, strings.Count(p.Body, "Sam Keller (sam)"))
}

// A user who is not management sees their username and email but cannot edit them; saving their
// profile changes their names.
func TestProfileFormLeavesUsernameAndEmailToManagement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.sales)
	path := "/admin/users/" + itoa(e.sales.ID)
	p := b.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, `name="username"`)
	assert.NotContains(t, p.Body, `name="email"`)
	assert.Contains(t, p.Body, e.sales.Email)

	saved := b.submit(path, url.Values{"first_name": {"Samuel"}, "last_name": {"Keller"},
		"version": {regexp1(t, p.Body, `name="version" value="(\d+)"`)}})
	require.Equal(t, http.StatusSeeOther, saved.Status, "body: %s", saved.Body)
	u, err := e.svc.GetUser(e.as(e.mgr), e.sales.ID)
	require.NoError(t, err)
	assert.Equal(t, "Samuel", u.FirstName)
	assert.Equal(t, e.sales.Username, u.Username)

	forged := b.submit(path, url.Values{"username": {"boss"}, "first_name": {"Samuel"}, "last_name": {"Keller"}})
	assert.Equal(t, http.StatusForbidden, forged.Status, "a forged username field is refused")
}
