package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// englishFragments are the pieces of the English catalogue that a French page must not show:
// each message that French translates differently, cut at its format verbs, keeping the pieces
// long enough not to occur by chance and that no French message contains.
func englishFragments(t *testing.T) []string {
	t.Helper()
	en, fr := web.CatalogueTexts("en"), web.CatalogueTexts("fr")
	verbs := regexp.MustCompile(`%(\[\d+\])?[sdv]`)
	var out []string
	for k, e := range en {
		if fr[k] == e || strings.HasPrefix(k, "date.") || strings.HasPrefix(k, "resource.") || strings.HasPrefix(k, "action.") ||
			strings.HasPrefix(k, "scope.") { // words of the addresses too ("unassigned=true"), checked where they are shown
			continue
		}
		for _, frag := range verbs.Split(e, -1) {
			frag = strings.Trim(frag, " ,;:.") // "%d created, %d updated" leaves "created," once split
			if len(frag) < 8 || slices.Contains(crm.Resources, crm.Resource(frag)) {
				continue // a resource's name alone is also in the addresses ("contract %d is not signed yet")
			}
			inFrench := false
			for _, f := range fr {
				inFrench = inFrench || strings.Contains(f, frag)
			}
			if !inFrench {
				out = append(out, frag)
			}
		}
	}
	require.Greater(t, len(out), 200, "too few English fragments: the catalogue export is broken")
	return out
}

// TestEveryPageInFrench renders every admin page for a user who chose French and checks that
// the page says lang="fr" and shows no English text from the catalogue.
func TestEveryPageInFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	b := e.loggedIn(e.mgr)
	b.get("/admin/preferences")
	p := b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	fragments := englishFragments(t)
	check := func(t *testing.T, path string, p *page) {
		t.Helper()
		assert.Contains(t, p.Body, `<html lang="fr"`, path)
		for _, frag := range fragments {
			if strings.Contains(p.Body, frag) || strings.Contains(p.Body, html.EscapeString(frag)) {
				t.Errorf("%s shows English %q", path, frag)
			}
		}
	}
	paths := []string{"/admin/", "/admin/password", "/admin/preferences", "/admin/access-review", "/admin/no-such-page",
		"/admin/clients/import", "/admin/calendar"}
	for _, r := range []struct {
		kind string
		id   int64
	}{{"clients", f.own.ID}, {"contracts", f.openContract.ID}, {"events", f.event.ID}, {"users", e.sales.ID}} {
		base := "/admin/" + r.kind
		rec := base + "/" + itoa(r.id)
		paths = append(paths, base, base+"/new", rec, rec+"/delete", rec+"/history", rec+"/access", base+"?q=nothing-matches")
	}
	for _, path := range paths {
		p := b.get(path)
		require.Contains(t, []int{200, 404, 503}, p.Status, "%s: %s", path, p.Body)
		check(t, path, p)
	}
	assert.Contains(t, b.get("/admin/").Body, "Tableau de bord")
	assert.Contains(t, b.get("/admin/contracts").Body, "12\u202f000,00\u00a0€", "French money")

	// A form sent back with errors shows them in French, by their codes.
	p = b.submit("/admin/clients/new", url.Values{"first_name": {""}, "last_name": {"Lee"}, "email": {"not-an-email"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	check(t, "the client form with errors", p)
	assert.Contains(t, p.Body, "Obligatoire.")
	assert.Contains(t, p.Body, "Saisissez une adresse e-mail valide")

	// The import report (a check, then a file with errors) and a bulk action's result page.
	b.get("/admin/clients/import")
	p = upload(t, b, "email,first_name,last_name\nnew@example.com,Nina,Roy\n", false)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	check(t, "the import check", p)
	b.get("/admin/clients/import")
	p = upload(t, b, "email,first_name,last_name\nnot-an-email,,Roy\n", false)
	check(t, "the import report with errors", p)
	assert.Contains(t, p.Body, "Rien n’a été importé")
	b.get("/admin/events")
	p = b.submit("/admin/events/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.support.ID)}, "id": {itoa(f.event.ID)}})
	check(t, "the bulk result page", p)
	assert.Contains(t, p.Body, "Attribuer le contact support")

	// Anonymous pages follow Accept-Language, and the switcher's cookie beats it.
	anon := e.browser()
	req := httptestRequest(http.MethodGet, "/admin/login")
	req.Header.Set("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")
	p = anon.do(req)
	check(t, "the login page", p)
	assert.Contains(t, p.Body, "Se connecter")
	p = anon.get("/admin/login?lang=en")
	assert.Contains(t, p.Body, `<html lang="en"`)
	req = httptestRequest(http.MethodGet, "/admin/login")
	req.Header.Set("Accept-Language", "fr")
	assert.Contains(t, anon.do(req).Body, `<html lang="en"`, "the chosen language is kept in a cookie")
	assert.Contains(t, e.browser().get("/admin/login?lang=xx").Body, `<html lang="en"`, "an unknown choice is ignored")
}

// TestPreferences saves each preference through the page and checks that the store keeps it and
// the pages follow it; bad values are refused next to their field and change nothing.
func TestPreferences(t *testing.T) {
	t.Parallel()
	st := sqlitetest.New(t)
	e := newEnvOn(t, st, web.Config{Language: "en", TimeZone: "Europe/Paris"})
	f := newFixtures(t, e)
	b := e.loggedIn(e.sales)
	p := b.get("/admin/preferences")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<html lang="en" data-theme="auto">`)
	assert.Contains(t, p.Body, "Times are in Europe/Paris")

	p = b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {"America/Montreal"}, "theme": {"dark"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Contains(t, b.get("/admin/preferences").Body, "Vos préférences ont été enregistrées.")
	got, err := st.FindPreferences(e.as(e.sales), e.sales.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.Preferences{Language: "fr", TimeZone: "America/Montreal", Theme: "dark"}, got)
	p = b.get("/admin/events/" + itoa(f.event.ID))
	assert.Contains(t, p.Body, `<html lang="fr" data-theme="dark">`)
	assert.Contains(t, p.Body, "Heures affichées dans le fuseau America/Montreal")
	montreal, _ := time.LoadLocation("America/Montreal")
	assert.Contains(t, p.Body, " à "+f.event.EventDate.In(montreal).Format("15:04 MST"), "times are in the user's zone")

	for _, bad := range []url.Values{
		{"language": {"de"}, "time_zone": {""}, "theme": {"auto"}},
		{"language": {"fr"}, "time_zone": {"Mars/Olympus"}, "theme": {"auto"}},
		{"language": {"fr"}, "time_zone": {""}, "theme": {"purple"}},
	} {
		b.get("/admin/preferences")
		p = b.submit("/admin/preferences", bad)
		assert.Equal(t, http.StatusUnprocessableEntity, p.Status, "%v", bad)
		assert.Contains(t, p.Body, "Choisissez une des valeurs proposées.", "%v", bad)
		got, _ = st.FindPreferences(e.as(e.sales), e.sales.ID)
		assert.Equal(t, "America/Montreal", got.TimeZone, "a refused save changes nothing")
	}
	// Another user is not affected.
	assert.Contains(t, e.loggedIn(e.support).get("/admin/").Body, `<html lang="en" data-theme="auto">`)
}

// TestEventTimesInTheUsersZone enters an event's date in Paris time, on the night the clocks go
// forward, and checks that it is refused with a clear message, then that a valid time is stored
// in UTC and shown back as entered.
func TestEventTimesInTheUsersZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	b := e.loggedIn(e.support)
	path := "/admin/events/" + itoa(f.event.ID)
	form := func(when string) url.Values {
		return url.Values{"name": {"Acme gala"}, "event_date": {when}, "end_date": {""}, "location": {"Lyon"},
			"attendees": {"120"}, "notes": {""}, "status": {"open"}, "version": {itoa(f.event.Version)}}
	}
	b.get(path)
	p := b.submit(path, form("2027-03-28T02:30"))
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "This time does not exist in Europe/Paris: the clocks go forward that night")
	b.get(path)
	p = b.submit(path, form("2027-10-31T02:30"))
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	ev, err := e.svc.GetEvent(e.as(e.mgr), f.event.ID)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), ev.EventDate.UTC(), "the repeated hour reads as its first pass")
	p = b.get(path)
	assert.Contains(t, p.Body, `value="2027-10-31T02:30"`)
}

// TestConcurrentLocales renders pages in both languages at once: the templates and printers of
// a language are shared by every request (run it with -race).
func TestConcurrentLocales(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	done := make(chan string, 16)
	for i := range 16 {
		go func() {
			lang := web.Languages[i%len(web.Languages)]
			req := httptestRequest(http.MethodGet, "/admin/login?lang="+lang)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				done <- err.Error()
				return
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil || !strings.Contains(string(body), `<html lang="`+lang+`"`) {
				done <- "the page is not in " + lang
				return
			}
			done <- resp.Header.Get("Content-Language") + "|" + lang
		}()
	}
	for range 16 {
		got := <-done
		assert.True(t, got == "en|en" || got == "fr|fr", got)
	}
}
