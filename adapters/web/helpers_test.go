package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// store is a store adapter, as package epiccrm opens the CRM on it.
type store = epiccrm.Store

// pw is the password of every user the tests create.
const pw = "Lantern-Harbour-Violet-42"

// env is a UI mounted on a Fiber app over a real store, with one user of each role (and a
// second sales and support user, to check that each sees only their own records).
type env struct {
	t        testing.TB
	app      *fiber.App
	prefix   string // where the CRM is mounted on app ("" for the root)
	svc      *crm.Service
	clock    *testclock.Clock
	mgr      *crm.User
	sales    *crm.User
	sales2   *crm.User
	support  *crm.User
	support2 *crm.User
	seq      int
}

// next returns a number unique within the env, for unique emails.
func (e *env) next() int {
	e.seq++
	return e.seq
}

// newEnv builds an env on a fresh SQLite store.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, sqlitetest.New(t), web.Config{})
}

// newEnvOn builds an env on st with the UI configured by cfg (its clock is the env's).
func newEnvOn(t testing.TB, st store, cfg web.Config) *env {
	t.Helper()
	return newEnvWith(t, st, cfg, nil)
}

// newEnvWith is newEnvOn under another policy (nil: the built-in one).
func newEnvWith(t testing.TB, st store, cfg web.Config, pol crm.Authorizer) *env {
	t.Helper()
	return newEnvAt(t, st, cfg, pol, "")
}

// newEnvAt builds an env whose CRM, opened through package epiccrm, is mounted under prefix
// on a host app with Fiber's defaults.
func newEnvAt(t testing.TB, st store, cfg web.Config, pol crm.Authorizer, prefix string) *env {
	t.Helper()
	return newEnvTuned(t, st, cfg, pol, prefix, nil)
}

// newEnvTuned is newEnvAt with tune, when not nil, changing the epiccrm.Config before it opens.
func newEnvTuned(t testing.TB, st store, cfg web.Config, pol crm.Authorizer, prefix string, tune func(*epiccrm.Config)) *env {
	t.Helper()
	clk := testclock.New(time.Date(2027, 3, 15, 9, 30, 0, 0, time.UTC))
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// A store may bring its own Passwords (a test of a busy hasher); otherwise hashing is cheap.
	passwords := st.Deps().Passwords
	if passwords == nil {
		passwords = password.New(password.ForTests)
	}
	conf := epiccrm.Config{Store: st, Authorizer: pol,
		Passwords: passwords, Now: clk.Now, Logger: logger, Admin: cfg,
		Throttling: crm.Throttling{PerAccount: 4, PerAddress: 100, Window: 15 * time.Minute}}
	if tune != nil {
		tune(&conf)
	}
	crmApp, err := epiccrm.Open(context.Background(), conf)
	require.NoError(t, err)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	require.NoError(t, crmApp.Mount(app, prefix,
		epiccrm.PartAPI, epiccrm.PartDocs, epiccrm.PartJWKS, epiccrm.PartHealth, epiccrm.PartMetrics))
	svc := crmApp.Service
	e := &env{t: t, app: app, svc: svc, clock: clk, prefix: prefix}
	e.mgr, err = svc.Bootstrap(context.Background(), crm.UserInput{Username: crm.Some("morgan"),
		Email: crm.Some("morgan@epic.example"), FirstName: crm.Some("Morgan"), LastName: crm.Some("Reyes"), Password: crm.Some(pw)})
	require.NoError(t, err)
	e.sales = e.user("sam", "Sam", "Keller", crm.RoleSales)
	e.sales2 = e.user("sofia", "Sofia", "Brandt", crm.RoleSales)
	e.support = e.user("paul", "Paul", "Okafor", crm.RoleSupport)
	e.support2 = e.user("priya", "Priya", "Nair", crm.RoleSupport)
	return e
}

// as returns a context acting as u, for setting up fixtures through the service.
func (e *env) as(u *crm.User) context.Context { return crm.NewContext(context.Background(), u) }

func (e *env) user(username, first, last string, role crm.Role) *crm.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.as(e.mgr), crm.UserInput{Username: crm.Some(username), Email: crm.Some(username + "@epic.example"),
		FirstName: crm.Some(first), LastName: crm.Some(last), Role: crm.Some(role), Password: crm.Some(pw)})
	require.NoError(e.t, err)
	return u
}

// client creates a client owned by the sales user owner.
func (e *env) client(owner *crm.User, first, last, company string) *crm.Client {
	e.t.Helper()
	c, err := e.svc.CreateClient(e.as(owner), crm.ClientInput{FirstName: crm.Some(first), LastName: crm.Some(last),
		Email:   crm.Some(fmt.Sprintf("client%d@%s.example", e.next(), "clients")),
		Company: crm.Some(company)})
	require.NoError(e.t, err)
	return c
}

// signedContract creates and signs a contract for c, as its owner.
func (e *env) signedContract(owner *crm.User, c *crm.Client, amount string) *crm.Contract {
	e.t.Helper()
	m, err := crm.ParseMoney(amount)
	require.NoError(e.t, err)
	k, err := e.svc.CreateContract(e.as(owner), crm.ContractInput{ClientID: crm.Some(c.ID), Amount: crm.Some(m)})
	require.NoError(e.t, err)
	k, err = e.svc.SignContract(e.as(owner), k.ID, 0)
	require.NoError(e.t, err)
	return k
}

// event creates an event for k, as its owner, assigned to support (nil for none) by management.
func (e *env) event(owner *crm.User, k *crm.Contract, name string, support *crm.User) *crm.Event {
	e.t.Helper()
	ev, err := e.svc.CreateEvent(e.as(owner), crm.EventInput{ContractID: crm.Some(k.ID), Name: crm.Some(name),
		EventDate: crm.Some(e.clock.Now().Add(30 * 24 * time.Hour)), Location: crm.Some("Lyon"), Attendees: crm.Some(120)})
	require.NoError(e.t, err)
	if support != nil {
		ev, err = e.svc.AssignSupport(e.as(e.mgr), ev.ID, &support.ID, 0)
		require.NoError(e.t, err)
	}
	return ev
}

// browser is an HTTP client of the app with a cookie jar, as a browser would be.
type browser struct {
	t    testing.TB
	app  *fiber.App
	jar  map[string]string
	csrf string // the CSRF token of the last page that had a form
}

func (e *env) browser() *browser {
	return &browser{t: e.t, app: e.app, jar: map[string]string{}}
}

// page is a response, its body read.
type page struct {
	Status int
	Header http.Header
	Body   string
}

// Location returns the redirect target.
func (p *page) Location() string { return p.Header.Get("Location") }

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request with the jar's cookies and stores the cookies it gets back.
func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.app.Test(req, -1)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.jar, ck.Name)
		} else {
			b.jar[ck.Name] = ck.Value
		}
	}
	p := &page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p
}

// get fetches a page.
func (b *browser) get(path string) *page {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form as is (no token added), with extra headers as name, value pairs.
func (b *browser) post(path string, form url.Values, headers ...string) *page {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// submit sends a form with the CSRF token of the last page, as the browser does.
func (b *browser) submit(path string, form url.Values) *page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf)
	return b.post(path, form)
}

// login logs in through the login form and checks that it worked.
func (b *browser) login(username string) {
	b.t.Helper()
	p := b.tryLogin(username, pw, "")
	require.Equal(b.t, http.StatusSeeOther, p.Status, "login of %s: %s", username, p.Body)
	require.NotEmpty(b.t, b.jar["epiccrm_session"])
}

// tryLogin fills and sends the login form.
func (b *browser) tryLogin(username, password, next string) *page {
	b.t.Helper()
	b.get("/admin/login")
	return b.submit("/admin/login", url.Values{"username": {username}, "password": {password}, "next": {next}})
}

// loggedIn returns a browser logged in as u.
func (e *env) loggedIn(u *crm.User) *browser {
	e.t.Helper()
	b := e.browser()
	b.login(u.Username)
	return b
}

// itoa writes an id for a path.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// regexp1 returns the first group of re in s, failing the test when re does not match.
func regexp1(t testing.TB, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	require.NotNil(t, m, "no match for %s", re)
	return m[1]
}

// httptestRequest builds a request for browser.do.
func httptestRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, nil)
}
