package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// findChromium returns the path of a Chromium or Chrome binary. Without one the browser tests
// are skipped with a clear message, except under CI=true, where they are required.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const missing = "!!! no Chromium found on PATH (chromium, chromium-browser, google-chrome, headless-shell)"
	const install = "install one (Debian: apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(missing + ": the browser tests are required under CI=true; " + install)
	}
	t.Skip(missing + ": skipping the browser tests; " + install + " to run them")
	return ""
}

// artifactsDir returns the directory for screenshots: EPICCRM_SCREENSHOTS (which .ci/run
// sets), EPICCRM_ARTIFACTS, or <repo root>/artifacts/screenshots.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := cmp.Or(os.Getenv("EPICCRM_SCREENSHOTS"), os.Getenv("EPICCRM_ARTIFACTS"))
	if dir == "" {
		root, err := os.Getwd()
		require.NoError(t, err)
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			require.NotEqual(t, parent, root, "no go.mod above the test's directory")
			root = parent
		}
		dir = filepath.Join(root, "artifacts", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// tab drives one Chromium tab against the app, whose CRM is mounted under prefix: the paths and
// selectors of the walk name the root mount (/admin/...) and the tab adds the prefix.
type tab struct {
	t      *testing.T
	ctx    context.Context
	base   string
	prefix string
	dir    string
	opts   walkOptions       // how the walk runs (a11y_test.go)
	axe    string            // axe-core's source, when the walk checks accessibility
	vp     viewport          // the window size emulated now
	pages  int               // how many pages shot has kept
	seen   map[string]string // the pages axe checked, by their shape (a11y_test.go)
	page   string            // the name of the last page shot kept ("" before the first)
	texts  map[string]string // the catalogue in the walk's language, for say
	spent  map[string]time.Duration
}

// css returns sel with every "/admin address in it under the prefix.
func (b *tab) css(sel string) string {
	return strings.ReplaceAll(sel, `"/admin`, `"`+b.prefix+`/admin`)
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, actions...))
}

// open navigates to path and waits for the page's main landmark.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+b.prefix+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// submit clicks a button and waits for the page it leads to, returning its HTTP status.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(b.css(sel))))
	require.NoError(b.t, err, "clicking %s", sel)
	b.do(chromedp.WaitVisible(chromedp.CSS("main")))
	return resp.Status
}

// fill types values into the fields with those ids (selects and date fields are set directly).
func (b *tab) fill(kv ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		sel := chromedp.CSS("#" + kv[i])
		b.do(chromedp.WaitVisible(sel), chromedp.SetValue(sel, kv[i+1]))
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(b.css(sel))))
	require.NoError(b.t, err)
	return s
}

// all returns the texts of the elements sel (none if there is none).
func (b *tab) all(sel string) []string {
	b.t.Helper()
	q, err := json.Marshal(b.css(sel))
	require.NoError(b.t, err)
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+string(q)+`)).map(e => e.innerText)`))
	require.NoError(b.t, err)
	return v
}

func (b *tab) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	rest, ok := strings.CutPrefix(s, b.base+b.prefix)
	require.True(b.t, ok, "%s is outside the mount %s", s, b.base+b.prefix)
	return rest
}

// say returns the text of a catalogue key in the walk's language.
func (b *tab) say(key string) string {
	b.t.Helper()
	if b.texts == nil {
		b.texts = web.CatalogueTexts(cmp.Or(b.opts.lang, "en"))
	}
	s, ok := b.texts[key]
	require.True(b.t, ok, "the catalogue has no key %q", key)
	return s
}

// sayf formats a catalogue message in the walk's language, plural forms included.
func (b *tab) sayf(key string, args ...any) string {
	return web.CatalogueSprintf(cmp.Or(b.opts.lang, "en"), key, args...)
}

// timed runs f and adds the time it took to what the walk spent on what.
func (b *tab) timed(what string, f func()) {
	start := time.Now()
	defer func() {
		if b.spent == nil {
			b.spent = map[string]time.Duration{}
		}
		b.spent[what] += time.Since(start)
	}()
	f()
}

// shot checks the page's layout and accessibility (audit), then keeps a full-page screenshot
// of it, named so that the screenshots sort by language, width and the order of the walk:
// en-1366-04-contract-signed.png.
func (b *tab) shot(page string) {
	b.t.Helper()
	b.pages++
	b.page = fmt.Sprintf("%02d-%s", b.pages, page)
	b.audit(b.page)
	b.timed("screenshots", func() { require.NoError(b.t, b.save(b.page)) })
}

// file is the name of the screenshot of page.
func (b *tab) file(page string) string {
	return fmt.Sprintf("%s-%s-%s.png", cmp.Or(b.opts.lang, "en"), b.vp.name, page)
}

// save writes a full-page screenshot of the current page as page's.
func (b *tab) save(page string) error {
	yes := true
	shot, err := chromedp.Call(b.ctx, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
		Format: cdppage.CaptureScreenshotFormatPng, CaptureBeyondViewport: &yes, FromSurface: &yes, OptimizeForSpeed: &yes})
	if err != nil {
		return fmt.Errorf("taking the screenshot %s: %w", page, err)
	}
	return os.WriteFile(filepath.Join(b.dir, b.file(page)), shot.Data, 0o644)
}

// clearShots removes the screenshots that an earlier run left for this walk's language and
// width, so that the directory holds this run's alone.
func (b *tab) clearShots() {
	b.t.Helper()
	old, err := filepath.Glob(filepath.Join(b.dir, b.file("*")))
	require.NoError(b.t, err)
	for _, f := range old {
		require.NoError(b.t, os.Remove(f))
	}
}

// keepFailure, deferred by a walk, keeps a screenshot of the page the walk stopped on when the
// test has failed, named after the last page that passed (en-390-07-FAILED-after-06-....png).
func (b *tab) keepFailure() {
	if !b.t.Failed() {
		return
	}
	page := fmt.Sprintf("%02d-FAILED-after-%s", b.pages+1, cmp.Or(b.page, "start"))
	if err := b.save(page); err != nil {
		b.t.Logf("!!! no screenshot of the failed step: %v", err)
		return
	}
	b.t.Logf("the page of the failed step: %s", filepath.Join(b.dir, b.file(page)))
}

// login logs in through the form and waits for the dashboard.
func (b *tab) login(username string) {
	b.t.Helper()
	b.open("/admin/login")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-username"), username), chromedp.SendKeys(chromedp.CSS("#f-password"), pw))
	require.EqualValues(b.t, 200, b.submit(`form[action="/admin/login"] button[type=submit]`))
	require.Equal(b.t, "/admin/", b.location())
}

// logout uses the button of the top bar.
func (b *tab) logout() {
	b.t.Helper()
	b.submit(`form[action="/admin/logout"] button`)
	require.Equal(b.t, "/admin/login", b.location())
}

// TestBrowserBusinessProcess walks the business process in headless Chromium: sales adds a
// client and creates two contracts for it, finding the client by type-ahead search and, with
// script off, with the Find button; it signs one and creates its event. Management assigns a
// support user, gives two clients to another sales user with the bulk form and imports a CSV
// file; support updates the event. Every page it reaches is checked for layout and by axe-core,
// and kept as a screenshot (tab.shot). It walks in English and in French, each at 1366x768 in
// the light theme with the CRM mounted at the root of the host app, and at 390x844 under /crm
// with the browser preferring a dark scheme: four walks in one Chromium, each in a browser
// context of its own, two at a time.
func TestBrowserBusinessProcess(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	axe := axeSource(t)
	browser := startBrowser(t, chromium)
	walking := make(chan struct{}, 2) // two walks at a time, one a core of the machine's two
	for _, lang := range walkLanguages {
		for _, o := range []walkOptions{{prefix: "", vp: desktop, lang: lang}, {prefix: "/crm", vp: phone, lang: lang, dark: true}} {
			t.Run(o.name(), func(t *testing.T) {
				t.Parallel()
				walking <- struct{}{}
				defer func() { <-walking }()
				browserWalk(t, browser, axe, o)
			})
		}
	}
}

// browserWalk is the walk of TestBrowserBusinessProcess, as o says, in a tab of browser, with
// the accessibility checks of axe (axe-core's source; none if empty).
func browserWalk(t *testing.T, browser context.Context, axe string, o walkOptions) {
	prefix := o.prefix
	e := newEnvAt(t, sqlitetest.New(t), web.Config{}, nil, prefix)
	other := e.client(e.sales2, "Olga", "Hidden", "Other Corp")
	// Clients whose names match the type-ahead search "dup": two of sales, one of another sales user.
	dupre := e.client(e.sales, "Marc", "Dupré", "Dupré Location")
	dupuis := e.client(e.sales2, "Lucie", "Dupuis", "Dupuis Traiteur")
	bulk := seed(t, e)

	b, bctx := openTab(t, browser, e, prefix, 540*time.Second, o.vp.w, o.vp.h)
	b.setUp(o, axe)
	b.clearShots()
	say := b.say
	start := time.Now()
	defer func() {
		t.Logf("the walk at %s, mounted at %s/, took %v for %d pages (%s)", o.name(), o.prefix, time.Since(start).Round(time.Millisecond), b.pages, b.spentSummary())
	}()
	defer b.keepFailure()

	// Anonymous: the dashboard sends to the login page.
	b.open("/admin/")
	assert.Equal(t, "/admin/login", b.location())
	b.shot("login")

	// Sales logs in and adds a client; a first try with a bad email shows inline errors.
	b.login(e.sales.Username)
	b.shot("dashboard-sales")
	b.open("/admin/clients/new")
	b.fill("f-first_name", "Camille", "f-email", "camille-at-dupont", "f-company", "Dupont Events")
	assert.EqualValues(t, 422, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text("#f-last_name-error"), say("field.required"))
	assert.Contains(t, b.text("#f-email-error"), say("field.invalid_email"))
	b.shot("client-form-errors")
	b.fill("f-last_name", "Dupont", "f-email", "camille@dupont.example", "f-phone", "+33 4 72 00 00 00")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The client was created."))
	assert.Contains(t, b.text("h1"), "Camille Dupont")
	clientURL := b.location()
	camille := &crm.Client{ID: idOf(t, clientURL), FirstName: "Camille", LastName: "Dupont"}

	// ...creates a contract for the client, finding it with the Find button with script off,
	// then another by type-ahead search, and signs that one...
	b.walkClientSearchWithoutScript("dup", camille, dupre, dupuis)
	contractURL := b.walkClientTypeahead("dup", camille, dupre, dupuis)
	b.open(contractURL)
	assert.Contains(t, b.text("h1"), say("Open"))
	b.submit(`form[action$="/sign"] button`)
	assert.Contains(t, b.text(".flash"), say("The contract is signed, and its client is now an existing client."))
	assert.Contains(t, b.text("h1"), say("Signed"))
	b.shot("contract-signed")

	// ...and creates the event.
	b.submit(`a[href^="/admin/events/new?contract_id="]`)
	b.fill("f-name", "Dupont product launch", "f-event_date", "2027-06-12T18:30", "f-end_date", "2027-06-12T23:00",
		"f-location", "Les Docks, Lyon", "f-attendees", "250", "f-notes", "Stage, sound and a vegan buffet.")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The event was created."))
	eventURL := b.location()
	b.open("/admin/clients")
	assert.Contains(t, b.text("table"), "Camille Dupont")
	assert.NotContains(t, b.text("table"), other.LastName, "sales sees only their own clients")
	b.shot("clients-list-sales")
	b.open("/admin/users/" + itoa(e.sales.ID))
	b.shot("profile-sales")
	b.open("/admin/password")
	b.shot("password")
	b.logout()

	// Management assigns a support user to the event.
	b.login(e.mgr.Username)
	assert.Contains(t, b.text("main"), "Dupont product launch", "the event shows among the events without support")
	b.shot("dashboard-management")
	b.open(eventURL)
	b.fill("f-support_contact_id", itoa(e.support.ID))
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".record-side"), e.support.FullName())
	b.shot("event-management")
	b.open(eventURL + "/history")
	assert.Contains(t, b.text("main"), say("Assign"))
	b.shot("event-history")
	for _, p := range []string{"clients", "contracts", "events", "users"} {
		b.open("/admin/" + p)
		b.shot("list-" + p)
	}

	// A search counts its results, and says it is loading until they come.
	b.open("/admin/clients")
	b.checkLoading()
	b.fill("f-q", "Dupont")
	b.submit(`form.list-layout .toolbar button[type=submit]`)
	assert.Len(t, b.all("main table tbody tr"), 1, "the search finds Camille alone")
	assert.Regexp(t, `^1\b`, b.text("#showing"), "the page counts the results")
	b.shot("clients-search")

	b.open("/admin/contracts?unpaid=true&sort=-amount_due")
	b.shot("contracts-filtered")
	injected, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('img[src="x"], svg[onload], script:not([src])').length`))
	require.NoError(t, err)
	assert.Zero(t, injected, "no stored payload became an element")
	b.open("/admin/clients/" + itoa(other.ID) + "/delete")
	b.shot("delete-confirmation")
	b.open(clientURL + "/delete")
	assert.NotEmpty(t, b.text("#delete-blockers"), "the client's contract blocks its deletion")
	b.shot("delete-blocked")
	b.walkBulk(e, e.sales, bulk...)
	b.walkImport(e)
	b.open("/admin/clients/999999")
	assert.Contains(t, b.text("h1"), say("Page not found"))
	b.shot("not-found")
	if o.vp == phone {
		b.checkPhone()
	}
	b.checkThemeToggle()
	b.logout()

	// Support updates their event, and sees nothing else.
	b.login(e.support.Username)
	assert.Contains(t, b.text("main"), "Dupont product launch", "the event shows among support's upcoming events")
	b.shot("dashboard-support")
	b.open(eventURL)
	b.fill("f-attendees", "280", "f-notes", "Stage, sound, a vegan buffet and 30 more guests.")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The event was saved."))
	b.shot("event-support")
	b.open("/admin/clients")
	assert.Contains(t, b.text("table"), "Camille Dupont")
	assert.NotContains(t, b.text("main"), say("New client"))
	assert.NotContains(t, b.text("table"), other.LastName)
	b.open("/admin/clients/" + itoa(other.ID))
	assert.Contains(t, b.text("h1"), say("Page not found"))
	b.logout()

	events, _, err := e.svc.ListEvents(e.as(e.mgr), crm.EventFilter{Q: "Dupont"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, 280, events[0].Attendees)
	assert.Equal(t, &e.support.ID, events[0].SupportContactID)
}

// checkPhone checks the phone layout's own controls: the menu button opens the sidebar, and
// the filters of a list fold behind a button.
func (b *tab) checkPhone() {
	b.t.Helper()
	b.open("/admin/")
	b.do(chromedp.Click(chromedp.CSS("[data-nav-toggle]")), chromedp.WaitVisible(chromedp.CSS(".nav-open .sidebar")))
	b.waitStill(".sidebar") // let the slide-in finish before the screenshot
	expanded, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("[data-nav-toggle]"), "aria-expanded"))
	require.NoError(b.t, err)
	assert.Equal(b.t, "true", expanded.Value)
	b.shot("dashboard-menu")
	b.open("/admin/clients")
	b.do(chromedp.WaitNotVisible(chromedp.CSS("#filters")), chromedp.Click(chromedp.CSS("[data-filters-toggle]")),
		chromedp.WaitVisible(chromedp.CSS("#filters")))
	b.shot("clients-filters")
}

// waitStill waits until the element sel stops moving (a transition has ended).
func (b *tab) waitStill(sel string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.PollFunction[bool](`(sel) => {
		const r = document.querySelector(sel).getBoundingClientRect();
		const now = r.left + "," + r.top + "," + r.width;
		const still = window.__lastRect === now;
		window.__lastRect = now;
		return still;
	}`, chromedp.WithPollingArgs(sel), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(b.t, err, "%s keeps moving", sel)
}

// idOf returns the id at the end of a record's address.
func idOf(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	require.NoError(t, err, "the address %s ends with no id", path)
	return id
}

// seed adds a few records so that the screenshots show full pages, including stored text that
// would run as script if it were not escaped and a long event name that must not tower. It
// returns two clients of another sales user for the bulk step of the walk.
func seed(t *testing.T, e *env) (bulk []*crm.Client) {
	t.Helper()
	acme := e.client(e.sales, "Ann", "Lee", "Acme Corporation")
	k := e.signedContract(e.sales, acme, "48000")
	e.event(e.sales, k, "Acme annual conference", e.support)
	e.event(e.sales, k, "Acme summer party", nil)
	e.event(e.sales, k, "Acme international partner summit, awards evening and closing gala at the Lyon convention centre", nil)
	xss := e.client(e.sales, "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "</textarea><svg onload=alert(1)>")
	_, err := e.svc.CreateContract(e.as(e.sales), crm.ContractInput{ClientID: crm.Some(xss.ID), Amount: crm.Some(crm.Money(250000))})
	require.NoError(t, err)
	for _, n := range []string{"Bianchi", "Chen", "Novak"} {
		bulk = append(bulk, e.client(e.sales2, "Lea", n, n+" & Sons"))
	}
	return bulk[:2]
}
