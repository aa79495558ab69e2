package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRevertFromHistory checks "Revert this change" on a record's history: the page shows the
// earlier values and the fields changed since, asks for a confirmation when some were, explains
// a concurrent change and a rule that now refuses, needs the CSRF token, is management only,
// and a revert is a new audited update.
func TestRevertFromHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	ctx := e.as(e.mgr)
	orig := f.own.Company
	_, err := e.svc.UpdateClient(ctx, f.own.ID, crm.ClientInput{Company: crm.Some("Globex")}, 0)
	require.NoError(t, err)

	b := e.loggedIn(e.mgr)
	hist := "/admin/clients/" + itoa(f.own.ID) + "/history"
	p := b.get(hist)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	link := html.UnescapeString(regexp1(t, p.Body, `href="([^"]+/revert)"`))
	p = b.get(link)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Globex")
	assert.Contains(t, p.Body, html.EscapeString(orig))
	assert.NotContains(t, p.Body, `name="confirm"`, "nothing changed since: no confirmation")

	c, err := e.svc.UpdateClient(ctx, f.own.ID, crm.ClientInput{Company: crm.Some("Initech")}, 0)
	require.NoError(t, err)
	p = b.get(link)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Initech", "the value now is shown")
	assert.Contains(t, p.Body, `name="confirm"`, "a field changed since asks for a confirmation")
	version := itoa(c.Version)

	p = b.submit(link, url.Values{"version": {version}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, "unconfirmed")
	p = b.submit(link, url.Values{"version": {itoa(c.Version - 1)}, "confirm": {"true"}})
	assert.Equal(t, http.StatusPreconditionFailed, p.Status)
	assert.Contains(t, p.Body, "The record changed while you were looking at it.")
	p = b.submit(link, url.Values{"version": {"x"}, "confirm": {"true"}})
	assert.Equal(t, http.StatusBadRequest, p.Status)
	p = b.post(link, url.Values{"version": {version}, "confirm": {"true"}})
	assert.Equal(t, http.StatusForbidden, p.Status, "no CSRF token")
	got, err := e.svc.GetClient(ctx, f.own.ID)
	require.NoError(t, err)
	assert.Equal(t, "Initech", got.Company, "refused reverts change nothing")

	s := e.loggedIn(e.sales)
	assert.Equal(t, http.StatusForbidden, s.get(link).Status, "sales may not read the audit log")
	assert.NotContains(t, s.get(hist).Body, "/revert")

	b.get(link)
	p = b.submit(link, url.Values{"version": {version}, "confirm": {"true"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, hist, p.Location())
	assert.Contains(t, b.get(hist).Body, "The change was reverted.")
	got, err = e.svc.GetClient(ctx, f.own.ID)
	require.NoError(t, err)
	assert.Equal(t, orig, got.Company)
	p = b.get(link)
	assert.Contains(t, p.Body, "there is nothing to revert")
	assert.NotContains(t, p.Body, `method="post"`+` action="`+link)

	// An entry of another record is not found under this one.
	other := strings.Replace(link, "/clients/"+itoa(f.own.ID)+"/", "/clients/"+itoa(f.foreign.ID)+"/", 1)
	assert.Equal(t, http.StatusNotFound, b.get(other).Status)
	assert.GreaterOrEqual(t, strings.Count(b.get(hist).Body, "/revert\""), 3, "both updates and the revert itself can be reverted")

	// A rule that refuses now: the earlier sales contact was deactivated.
	_, err = e.svc.UpdateClient(ctx, f.own.ID, crm.ClientInput{SalesContactID: crm.Some(&e.sales2.ID)}, 0)
	require.NoError(t, err)
	p = b.get(hist)
	assign := html.UnescapeString(regexp1(t, p.Body, `href="([^"]+/revert)"`))
	_, err = e.svc.UpdateUser(ctx, e.sales.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	p = b.get(assign)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	cur, err := e.svc.GetClient(ctx, f.own.ID)
	require.NoError(t, err)
	p = b.submit(assign, url.Values{"version": {itoa(cur.Version)}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "The rules refuse the earlier values now")
}
