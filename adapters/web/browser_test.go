package web_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	opts   walkOptions // how the walk runs (a11y_test.go)
	axe    string      // axe-core's source, when the walk checks accessibility
	vp     viewport    // the window size emulated now
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

func (b *tab) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	rest, ok := strings.CutPrefix(s, b.base+b.prefix)
	require.True(b.t, ok, "%s is outside the mount %s", s, b.base+b.prefix)
	return rest
}

// shot checks the page's layout and accessibility (audit), then saves a full-page PNG
// screenshot under the artifacts directory.
func (b *tab) shot(name string) {
	b.t.Helper()
	b.audit(name)
	name = b.opts.name() + "-" + name
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	if b.prefix != "" {
		name = strings.Trim(b.prefix, "/") + "-" + name
	}
	require.NoError(b.t, os.WriteFile(filepath.Join(b.dir, name+".png"), buf, 0o644))
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
// client, creates and signs a contract and creates its event; management assigns a support
// user; support updates the event. It checks the layout and accessibility of each page it
// reaches and keeps a screenshot of it (tab.shot). It walks the CRM mounted at the root of the
// host app at 1366x768 in the light theme, and under /crm at 390x844 with the browser
// preferring a dark scheme, in each language, one walk after the other so that two browsers
// do not compete for the machine.
func TestBrowserBusinessProcess(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	axe := axeSource(t)
	for i, lang := range walkLanguages {
		for j, o := range []walkOptions{{prefix: "", vp: desktop, lang: lang}, {prefix: "/crm", vp: phone, lang: lang, dark: true}} {
			// Each language gets one full walk, with axe, at its own window size (English at
			// 1366, French at 390); the other size is a quick pass (see walkOptions.quick).
			o.quick = i%2 != j
			t.Run(fmt.Sprintf("mounted at %s/ at %s", o.prefix, o.name()), func(t *testing.T) {
				browserWalk(t, chromium, axe, o)
			})
		}
	}
}

// browserWalk is the walk of TestBrowserBusinessProcess, as o says, with the accessibility
// checks of axe (axe-core's source; none if empty).
func browserWalk(t *testing.T, chromium, axe string, o walkOptions) {
	prefix := o.prefix
	say := sayer(t, o.lang)
	e := newEnvAt(t, sqlitetest.New(t), web.Config{}, nil, prefix)
	other := e.client(e.sales2, "Olga", "Hidden", "Other Corp")
	seed(t, e)

	b, bctx := startTab(t, chromium, e, prefix, 420*time.Second, int(o.vp.w), int(o.vp.h))
	b.setUp(o, axe)
	start := time.Now()
	defer func() { t.Logf("the walk at %s took %v", o.name(), time.Since(start).Round(time.Millisecond)) }()

	// Anonymous: the dashboard sends to the login page.
	b.open("/admin/")
	assert.Equal(t, "/admin/login", b.location())
	b.shot("01-login")

	// Sales logs in and adds a client; a first try with a bad email shows inline errors.
	b.login(e.sales.Username)
	b.shot("02-dashboard-sales")
	b.open("/admin/clients/new")
	b.fill("f-first_name", "Camille", "f-email", "camille-at-dupont", "f-company", "Dupont Events")
	assert.EqualValues(t, 422, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text("#f-last_name-error"), say("field.required"))
	assert.Contains(t, b.text("#f-email-error"), say("field.invalid_email"))
	b.shot("03-client-form-errors")
	b.fill("f-last_name", "Dupont", "f-email", "camille@dupont.example", "f-phone", "+33 4 72 00 00 00")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The client was created."))
	assert.Contains(t, b.text("h1"), "Camille Dupont")
	clientURL := b.location()

	// ...creates a contract for the client and signs it...
	b.submit(`a[href^="/admin/contracts/new?client_id="]`)
	b.fill("f-amount", "12500.00", "f-amount_due", "4000.00", "f-payment_due", "2027-05-31")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The contract was created."))
	assert.Contains(t, b.text("h1"), say("Open"))
	b.submit(`form[action$="/sign"] button`)
	assert.Contains(t, b.text(".flash"), say("The contract is signed, and its client is now an existing client."))
	assert.Contains(t, b.text("h1"), say("Signed"))
	b.shot("04-contract-signed")

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
	b.shot("05-clients-list-sales")
	b.open("/admin/users/" + itoa(e.sales.ID))
	b.shot("05-profile-sales")
	b.open("/admin/password")
	b.shot("05-password")
	b.logout()

	// Management assigns a support user to the event.
	b.login(e.mgr.Username)
	assert.Contains(t, b.text("main"), "Dupont product launch", "the event shows among the events without support")
	b.shot("06-dashboard-management")
	b.open(eventURL)
	b.fill("f-support_contact_id", itoa(e.support.ID))
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".record-side"), e.support.FullName())
	b.shot("07-event-management")
	b.open(eventURL + "/history")
	assert.Contains(t, b.text("main"), say("Assign"))
	b.shot("08-event-history")
	for _, p := range []string{"clients", "contracts", "events", "users"} {
		b.open("/admin/" + p)
		b.shot("09-list-" + p)
	}
	b.open("/admin/contracts?unpaid=true&sort=-amount_due")
	b.shot("10-contracts-filtered")
	injected, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('img[src="x"], svg[onload], script:not([src])').length`))
	require.NoError(t, err)
	assert.Zero(t, injected, "no stored payload became an element")
	b.open("/admin/clients/" + itoa(other.ID) + "/delete")
	b.shot("10-delete-confirmation")
	b.open(clientURL + "/delete")
	assert.NotEmpty(t, b.text("#delete-blockers"), "the client's contract blocks its deletion")
	b.shot("10-delete-blocked")
	b.open("/admin/clients/import")
	b.shot("10-import")
	b.open("/admin/clients/999999")
	b.shot("10-not-found")
	b.resize(phone)
	b.open("/admin/")
	b.shot("10-dashboard-mobile")
	b.do(chromedp.Click(chromedp.CSS("[data-nav-toggle]")), chromedp.WaitVisible(chromedp.CSS(".nav-open .sidebar")),
		chromedp.Sleep(400*time.Millisecond)) // let the slide-in finish
	expanded, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("[data-nav-toggle]"), "aria-expanded"))
	require.NoError(t, err)
	assert.Equal(t, "true", expanded.Value)
	b.shot("10-dashboard-mobile-menu")
	b.open("/admin/clients")
	b.do(chromedp.WaitNotVisible(chromedp.CSS("#filters")), chromedp.Click(chromedp.CSS("[data-filters-toggle]")),
		chromedp.WaitVisible(chromedp.CSS("#filters")))
	b.shot("10-clients-mobile-filters")
	b.checkLoading()
	b.checkThemeToggle()
	b.resize(o.vp)
	b.logout()

	// Support updates their event, and sees nothing else.
	b.login(e.support.Username)
	assert.Contains(t, b.text("main"), "Dupont product launch", "the event shows among support's upcoming events")
	b.shot("11-dashboard-support")
	b.open(eventURL)
	b.fill("f-attendees", "280", "f-notes", "Stage, sound, a vegan buffet and 30 more guests.")
	assert.EqualValues(t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(t, b.text(".flash"), say("The event was saved."))
	b.shot("12-event-support")
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

// seed adds a few records so that the screenshots show full pages, including stored text that
// would run as script if it were not escaped and a long event name that must not tower.
func seed(t *testing.T, e *env) {
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
		e.client(e.sales2, "Lea", n, n+" & Sons")
	}
}

// sayer returns the text of a catalogue key in lang, for the walk's checks of what a page says.
func sayer(t *testing.T, lang string) func(key string) string {
	texts := web.CatalogueTexts(lang)
	return func(key string) string {
		t.Helper()
		s, ok := texts[key]
		require.True(t, ok, "the catalogue has no key %q", key)
		return s
	}
}
