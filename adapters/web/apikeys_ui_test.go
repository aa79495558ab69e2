package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// apiKeyRE finds a whole API key in a page.
var apiKeyRE = regexp.MustCompile(crm.APIKeyPrefix + `[a-z2-7]{52}`)

// TestAPIKeyPages creates a key through the page (shown once), finds its service account marked
// in the users pages, and revokes it after confirmation; bad input and other roles are refused.
func TestAPIKeyPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.mgr)
	p := b.get("/admin/api-keys")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "No API key yet.")
	assert.Contains(t, b.get("/admin/").Body, `href="/admin/api-keys"`)

	p = b.submit("/admin/api-keys", url.Values{"name": {"  "}, "role": {"sales"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "Please correct the errors below.")
	keys, err := e.svc.ListAPIKeys(e.as(e.mgr))
	require.NoError(t, err)
	assert.Empty(t, keys)

	b.get("/admin/api-keys")
	p = b.submit("/admin/api-keys", url.Values{"name": {"Billing export"}, "role": {"support"}})
	require.Equal(t, http.StatusCreated, p.Status, p.Body)
	secret := apiKeyRE.FindString(p.Body)
	require.NotEmpty(t, secret, "the key is shown once")
	actor, err := e.svc.KeyActor(e.as(e.mgr), secret)
	require.NoError(t, err, "the key shown works")
	assert.Equal(t, crm.KindService, actor.Kind)
	assert.Empty(t, apiKeyRE.FindString(b.get("/admin/api-keys").Body), "the list never shows a key again")

	users := b.get("/admin/users")
	assert.Contains(t, users.Body, "Service account (API key)")
	rec := b.get("/admin/users/" + itoa(actor.ID))
	assert.Contains(t, rec.Body, `badge-indigo">Service account<`)
	assert.NotContains(t, b.get("/admin/users/"+itoa(e.sales.ID)).Body, "Service account")

	keys, err = e.svc.ListAPIKeys(e.as(e.mgr))
	require.NoError(t, err)
	require.Len(t, keys, 1)
	revoke := "/admin/api-keys/" + itoa(keys[0].ID) + "/revoke"
	p = b.get(revoke)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Revoke this API key?")
	p = b.submit(revoke, nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	_, err = e.svc.KeyActor(e.as(e.mgr), secret)
	assert.Error(t, err, "a revoked key no longer works")
	assert.Contains(t, b.get("/admin/api-keys").Body, "Revoked")
	assert.Equal(t, http.StatusNotFound, b.get("/admin/api-keys/999/revoke").Status)

	for _, u := range []*crm.User{e.sales, e.support} {
		o := e.loggedIn(u)
		assert.NotContains(t, o.get("/admin/").Body, "/admin/api-keys", u.Username)
		assert.Equal(t, http.StatusForbidden, o.get("/admin/api-keys").Status, u.Username)
		assert.Equal(t, http.StatusForbidden, o.submit("/admin/api-keys", url.Values{"name": {"x"}, "role": {"management"}}).Status, u.Username)
	}
	keys, err = e.svc.ListAPIKeys(e.as(e.mgr))
	require.NoError(t, err)
	assert.Len(t, keys, 1, "no key made by sales or support")
}
