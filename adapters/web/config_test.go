package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// TestNewRefusesABadConfig checks that a base path or a body limit New cannot use is named.
func TestNewRefusesABadConfig(t *testing.T) {
	e := newEnv(t)
	st := sqlitetest.New(t)
	for _, tc := range []struct {
		cfg  web.Config
		want string
	}{
		{web.Config{BasePath: "crm"}, `BasePath "crm" must start with a slash`},
		{web.Config{BasePath: "/crm/"}, `BasePath "/crm/" must start with a slash and not end with one`},
		{web.Config{BodyLimit: -1}, "BodyLimit must not be negative"},
	} {
		_, err := web.New(tc.cfg, e.svc, st)
		assert.ErrorContains(t, err, tc.want)
	}
	_, err := web.New(web.Config{}, (*crm.Service)(nil), st)
	assert.Error(t, err)
}

// TestUnderAPrefix checks the pages of a UI mounted under /crm: the anonymous dashboard sends to
// the login page under the prefix, and a logged-in page links under it only.
func TestUnderAPrefix(t *testing.T) {
	e := newEnvAt(t, sqlitetest.New(t), web.Config{}, nil, "/crm")
	anon := e.browser()
	p := anon.get("/crm/admin/")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/crm/admin/login", p.Header.Get("Location"))

	b := e.browser()
	b.get("/crm/admin/login")
	p = b.submit("/crm/admin/login", url.Values{"username": {e.sales.Username}, "password": {pw}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/crm/admin/", p.Header.Get("Location"))
	p = b.get("/crm/admin/clients")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `href="/crm/admin/clients/new"`)
	assert.NotContains(t, p.Body, `"/admin/`, "no link escapes the prefix")
}
