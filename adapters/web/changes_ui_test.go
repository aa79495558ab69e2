package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecentChanges checks the global Recent changes page: management sees the audit log with
// links to each record's history, the filters narrow it, bad filters are a 400 page, paging
// follows the cursor, others get a 403 page and no menu entry, and the page speaks French.
func TestRecentChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	b := e.loggedIn(e.mgr)

	p := b.get("/admin/")
	assert.Contains(t, p.Body, `href="/admin/changes"`, "management has the menu entry")
	p = b.get("/admin/changes")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Recent changes")
	assert.Contains(t, p.Body, "UTC", "the page says which days the range uses")
	assert.Contains(t, p.Body, `href="/admin/clients/`+itoa(f.own.ID)+`/history"`, "rows link to the record's history")
	assert.Contains(t, p.Body, `href="/admin/events/`+itoa(f.event.ID)+`/history"`)

	p = b.get("/admin/changes?resource=event&action=create")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `/admin/events/`+itoa(f.event.ID)+`/history"`)
	assert.NotContains(t, p.Body, `/admin/clients/`+itoa(f.own.ID)+`/history"`, "the resource filter narrows")
	assert.Contains(t, p.Body, `<option value="event" selected>`, "the filter keeps its value")

	p = b.get("/admin/changes?actor=" + itoa(e.sales2.ID) + "&resource=client")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `/admin/clients/`+itoa(f.foreign.ID)+`/history"`)
	assert.NotContains(t, p.Body, `/admin/clients/`+itoa(f.own.ID)+`/history"`, "the actor filter narrows")

	day := e.clock.Now().UTC().Format("2006-01-02")
	p = b.get("/admin/changes?from=" + day + "&to=" + day)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `/admin/clients/`+itoa(f.own.ID)+`/history"`, "today's changes are in today's range")
	p = b.get("/admin/changes?to=2000-01-01")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "No change matches these filters.")

	for _, bad := range []string{"action=erase", "resource=secrets", "from=yesterday", "actor=x", "from=2030-01-02&to=2030-01-01"} {
		p = b.get("/admin/changes?" + bad)
		assert.Equal(t, http.StatusBadRequest, p.Status, bad)
	}

	p = b.get("/admin/changes?limit=2")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	next := regexp1(t, p.Body, `href="([^"]+)" rel="next"`)
	p2 := b.get(html.UnescapeString(next))
	require.Equal(t, http.StatusOK, p2.Status, p2.Body)
	assert.Contains(t, p2.Body, "Newest", "a later page links back to the first")
	assert.NotEqual(t, p.Body, p2.Body)

	s := e.loggedIn(e.sales)
	assert.NotContains(t, s.get("/admin/").Body, `href="/admin/changes"`, "no menu entry for sales")
	assert.Equal(t, http.StatusForbidden, s.get("/admin/changes").Status)

	b.get("/admin/preferences")
	p = b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get("/admin/changes?resource=client")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Modifications récentes")
	for _, frag := range englishFragments(t) {
		if strings.Contains(p.Body, frag) || strings.Contains(p.Body, html.EscapeString(frag)) {
			t.Errorf("the Recent changes page shows English %q", frag)
		}
	}
}
