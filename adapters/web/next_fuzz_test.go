package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/web"
)

// FuzzSafeNext checks the guard of the login page's next= parameter: whatever it is given, the
// redirect it returns stays on this site and in the admin UI, read the way a browser reads a
// Location (which drops tabs and line breaks and takes a backslash for a slash), so that neither
// //evil, /\evil, a scheme (http:, javascript:) nor an encoded trick can send a user elsewhere.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"", "/admin", "/admin/", "/admin/clients?q=acme&sort=-id", "/admin/clients/7#notes",
		"//evil.example", "/admin//evil.example", "/admin/\\evil.example", "/\\evil.example", "\\\\evil.example",
		"http://evil.example/admin", "https:evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x",
		"/admin/../evil", "/admin/%2e%2e/evil", "/admin/%2F%2Fevil.example", "/admin@evil.example", "/admin.evil.example",
		"/adminx", "/admin\t/\t/evil", "/admin\n//evil", "/admin/\x00", "/admin/login", "/admin/logout?x=1",
		"/admin/static/app.js", "/admin/%5Cevil", "/admin/clients?next=//evil", "/admin:80/x", "/admin/é", "/admin/%zz"} {
		f.Add(s)
	}
	base, err := url.Parse("https://crm.example/admin/login?next=x")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, next string) {
		got := web.SafeNext(next)
		require.True(t, got == web.Prefix || strings.HasPrefix(got, web.Prefix+"/") || strings.HasPrefix(got, web.Prefix+"?"),
			"safeNext(%q) = %q, which is not a page of the admin UI", next, got)
		for _, r := range got {
			require.False(t, r < 0x20 || r == 0x7f || r == '\\', "safeNext(%q) = %q holds a control character or backslash", next, got)
		}
		// What a browser does with the Location before resolving it.
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		u, err := url.Parse(browser)
		require.NoError(t, err, "safeNext(%q) = %q is not a URL", next, got)
		assert.Empty(t, u.Scheme, "safeNext(%q) = %q has a scheme", next, got)
		assert.Empty(t, u.Host, "safeNext(%q) = %q names a host", next, got)
		assert.False(t, strings.HasPrefix(browser, "//"), "safeNext(%q) = %q is scheme-relative", next, got)
		resolved := base.ResolveReference(u)
		assert.Equal(t, "crm.example", resolved.Host, "safeNext(%q) = %q leaves the site", next, got)
		assert.Equal(t, "https", resolved.Scheme)
		assert.True(t, resolved.Path == web.Prefix || strings.HasPrefix(resolved.Path, web.Prefix+"/"),
			"safeNext(%q) = %q resolves to %q, outside the admin UI", next, got, resolved.Path)
		for _, seg := range strings.Split(resolved.EscapedPath(), "/") {
			assert.NotContains(t, []string{".", "..", "%2e", "%2E", "%2e%2e", "%2E%2E"}, seg, "safeNext(%q) = %q holds a dot segment", next, got)
		}
		// The guard is stable: what it lets through, it lets through unchanged.
		assert.Equal(t, got, web.SafeNext(got), "safeNext(%q) = %q is not a fixed point", next, got)
	})
}
