package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales2, "Ann", "Lee", "Acme")
	anon := e.browser()
	sales := e.loggedIn(e.sales)
	cases := []struct {
		name   string
		b      *browser
		path   string
		status int
		authed bool
	}{
		{"login page", anon, "/admin/login", http.StatusOK, false},
		{"anonymous redirect", anon, "/admin/clients", http.StatusSeeOther, false},
		{"static asset", anon, "/admin/static/app.css", http.StatusOK, false},
		{"unknown asset", anon, "/admin/static/nope.js", http.StatusNotFound, false},
		{"dashboard", sales, "/admin/", http.StatusOK, true},
		{"list", sales, "/admin/clients", http.StatusOK, true},
		{"record out of scope", sales, "/admin/clients/" + itoa(c.ID), http.StatusNotFound, true},
		{"forbidden page", sales, "/admin/users/new", http.StatusForbidden, true},
		{"method not allowed", sales, "/admin/logout", http.StatusMethodNotAllowed, false},
		{"unknown page", sales, "/admin/nowhere", http.StatusNotFound, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.b.get(tc.path)
			require.Equal(t, tc.status, p.Status)
			csp := p.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
				"form-action 'self'", "base-uri 'none'", "object-src 'none'"} {
				assert.Contains(t, csp, d)
			}
			assert.NotContains(t, csp, "unsafe-inline")
			assert.NotContains(t, csp, "unsafe-eval")
			assert.Equal(t, "DENY", p.Header.Get("X-Frame-Options"))
			assert.Equal(t, "nosniff", p.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "same-origin", p.Header.Get("Referrer-Policy"))
			assert.Empty(t, p.Header.Get("Strict-Transport-Security"), "no HSTS over plain HTTP")
			if tc.authed {
				assert.Equal(t, "no-store", p.Header.Get("Cache-Control"))
			}
			if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
				assert.NotContains(t, p.Body, "<script>", "no inline script")
				assert.NotContains(t, p.Body, " style=", "no inline style")
				assert.NotContains(t, p.Body, " onclick=", "no inline handler")
			}
		})
	}
}

func TestHSTSOverHTTPS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	req := httptestRequest(http.MethodGet, "/admin/login")
	req.Header.Set("X-Forwarded-Proto", "https")
	p := b.do(req)
	assert.Contains(t, p.Header.Get("Strict-Transport-Security"), "max-age=")
}

func TestStaticAssetsAreEmbeddedAndVersioned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	login := b.get("/admin/login")
	for _, tc := range []struct{ name, ctype string }{
		{"app.css", "text/css"}, {"app.js", "text/javascript"}, {"theme.js", "text/javascript"}, {"logo.svg", "image/svg+xml"}, {"icons.svg", "image/svg+xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get("/admin/static/" + tc.name)
			require.Equal(t, http.StatusOK, p.Status)
			assert.Contains(t, p.Header.Get("Content-Type"), tc.ctype)
			assert.NotEmpty(t, p.Body)
			etag := strings.Trim(p.Header.Get("ETag"), `"`)
			require.NotEmpty(t, etag)
			if tc.name != "icons.svg" {
				assert.Contains(t, login.Body, "/admin/static/"+tc.name+"?v="+etag, "pages link the asset by its version")
			}
			req := httptestRequest(http.MethodGet, "/admin/static/"+tc.name)
			req.Header.Set("If-None-Match", p.Header.Get("ETag"))
			assert.Equal(t, http.StatusNotModified, b.do(req).Status)
		})
	}
}
