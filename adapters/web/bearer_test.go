package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
)

// TestTheUIIgnoresBearerTokens checks that the admin UI authenticates by its session cookie
// alone (security test plan, case 5): a valid API access token of a manager, in an
// Authorization header, neither opens a page nor lets a form through.
func TestTheUIIgnoresBearerTokens(t *testing.T) {
	t.Parallel()
	st := sqlitetest.New(t)
	e := newEnvOn(t, st, web.Config{})
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	issuer, err := jwtauth.New(jwtauth.Config{Now: e.clock.Now}, key, st, e.svc)
	require.NoError(t, err)
	pair, err := issuer.Issue(context.Background(), e.mgr)
	require.NoError(t, err)
	_, err = issuer.Verify(context.Background(), pair.AccessToken)
	require.NoError(t, err, "the token is one the API would accept")

	b := e.browser()
	get := httptest.NewRequest(http.MethodGet, "/admin/", nil)
	get.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	p := b.do(get)
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/admin/login", p.Location(), "the UI asks for a login")

	p = b.post("/admin/clients/new", url.Values{"first_name": {"Eve"}, "last_name": {"Bearer"}, "email": {"eve@bearer.example"}},
		"Authorization", "Bearer "+pair.AccessToken)
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/admin/login", p.Location())
}
