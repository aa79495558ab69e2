package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// testStore is a store of the tests.
type testStore = epiccrm.Store

// storeKind is a store the suites run on, and the prefix the CRM is mounted under on the host
// app ("" for the root).
type storeKind struct {
	name   string
	open   func(testing.TB) testStore
	prefix string
}

// storeKinds are the stores and mounts every suite runs on: both stores at the root, and
// SQLite under /crm, the way a host mounts the CRM next to its own routes.
var storeKinds = []storeKind{
	{"sqlite", func(tb testing.TB) testStore { return sqlitetest.New(tb) }, ""},
	{"postgres", func(tb testing.TB) testStore { return pgtest.New(tb) }, ""},
	{"sqlite-under-crm", func(tb testing.TB) testStore { return sqlitetest.New(tb) }, "/crm"},
}

// eachStore runs fn once per store kind, in parallel subtests named after it.
func eachStore(t *testing.T, fn func(t *testing.T, open storeKind)) {
	t.Helper()
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			fn(t, k)
		})
	}
}

// envOptions change how newEnv builds the API.
type envOptions struct {
	cfg       httpapi.Config
	wrap      func(crm.Deps) crm.Deps
	pinger    httpapi.Pinger
	collector prometheus.Collector
	throttle  crm.Throttling
	noFixture bool
}

// stubbedStore is a store whose Ping or Collector a test replaces.
type stubbedStore struct {
	epiccrm.Store
	pinger    httpapi.Pinger
	collector prometheus.Collector
}

func (s stubbedStore) Ping(ctx context.Context) error {
	if s.pinger != nil {
		return s.pinger.Ping(ctx)
	}
	return s.Store.Ping(ctx)
}

func (s stubbedStore) Collector() prometheus.Collector {
	if s.collector != nil {
		return s.collector
	}
	return s.Store.Collector()
}

// env is an API on a fresh store with the fixture of the security test plan: a manager M,
// sales S1 and S2, support P1 and P2; client C1 owned by S1 (and C2 owned by S2); contract K1 on
// C1, signed, and K2 on C1, open; event E1 on K1 assigned to P1.
type env struct {
	store  testStore
	svc    *crm.Service
	tokens *jwtauth.Issuer
	api    *httpapi.API
	app    *fiber.App
	prefix string // where the CRM is mounted on app
	logs   *syncbuf.Buffer
	ids    map[string]int64
	users  map[string]*crm.User
	access map[string]string
}

// testPassword is the password of every fixture user.
const testPassword = "Tangerine-Orbit-42"

// newEnv opens the CRM on a fresh store of kind k through package epiccrm, and mounts it on a
// host app (httpapi.NewApp) under k's prefix.
func newEnv(t *testing.T, k storeKind, opts ...func(*envOptions)) *env {
	t.Helper()
	o := envOptions{throttle: crm.Throttling{PerAccount: 5, PerAddress: 1000, Window: 15 * time.Minute}}
	for _, f := range opts {
		f(&o)
	}
	var store testStore = k.open(t)
	if o.pinger != nil || o.collector != nil {
		store = stubbedStore{Store: store, pinger: o.pinger, collector: o.collector}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	e := &env{store: store, prefix: k.prefix, logs: &syncbuf.Buffer{},
		ids: map[string]int64{}, users: map[string]*crm.User{}, access: map[string]string{}}
	cfg := o.cfg
	cfg.Logger = newTestLogger(e.logs)
	cfg.BasePath = k.prefix
	crmApp, err := epiccrm.Open(context.Background(), epiccrm.Config{Store: store, SigningKey: key,
		Passwords: password.New(password.ForTests), Throttling: o.throttle, Deps: o.wrap, Logger: cfg.Logger, API: cfg})
	require.NoError(t, err)
	e.svc, e.tokens = crmApp.Service, crmApp.Tokens
	e.api, err = crmApp.NewAPI(k.prefix, 0)
	require.NoError(t, err)
	e.app = httpapi.NewApp(cfg)
	require.NoError(t, crmApp.Mount(e.app, k.prefix, epiccrm.PartAdmin))
	if !o.noFixture {
		e.fixture(t)
	}
	return e
}

// fixture creates the users and records of the test plan, and an access token for each user.
func (e *env) fixture(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	m, err := e.svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("manager"), Email: crm.Some("manager@epic.example"),
		FirstName: crm.Some("Maya"), LastName: crm.Some("Boss"), Password: crm.Some(testPassword)})
	require.NoError(t, err)
	e.remember("M", m)
	for _, u := range []struct {
		who, name string
		role      crm.Role
	}{{"S1", "sally", crm.RoleSales}, {"S2", "sam", crm.RoleSales}, {"P1", "pat", crm.RoleSupport}, {"P2", "paula", crm.RoleSupport}} {
		e.remember(u.who, e.createUser(t, u.name, u.role))
	}
	c1, err := e.svc.CreateClient(e.as("S1"), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
		Email: crm.Some("carla@acme.example"), Company: crm.Some("Acme Corp")})
	require.NoError(t, err)
	e.ids["C1"] = c1.ID
	c2, err := e.svc.CreateClient(e.as("S2"), crm.ClientInput{FirstName: crm.Some("Otto"), LastName: crm.Some("Other"),
		Email: crm.Some("otto@globex.example"), Company: crm.Some("Globex")})
	require.NoError(t, err)
	e.ids["C2"] = c2.ID
	k1 := e.createContract(t, "S1", c1.ID, "1500.00")
	_, err = e.svc.SignContract(e.as("S1"), k1, 0)
	require.NoError(t, err)
	e.ids["K1"] = k1
	e.ids["K2"] = e.createContract(t, "S1", c1.ID, "800.00")
	e1 := e.createEvent(t, "S1", k1, "Launch party")
	_, err = e.svc.AssignSupport(e.as("M"), e1, crm.Ptr(e.ids["P1"]), 0)
	require.NoError(t, err)
	e.ids["E1"] = e1
	for who := range e.users {
		e.login(t, who)
	}
}

func (e *env) remember(who string, u *crm.User) {
	e.users[who] = u
	e.ids[who] = u.ID
}

// login issues a fresh access token for a fixture user, as they are now in the store.
func (e *env) login(t *testing.T, who string) {
	t.Helper()
	u, err := e.svc.Actor(context.Background(), e.ids[who], e.current(t, who).AuthVersion)
	require.NoError(t, err)
	pair, err := e.tokens.Issue(context.Background(), u)
	require.NoError(t, err)
	e.access[who] = pair.AccessToken
}

// current returns a fixture user as stored now.
func (e *env) current(t *testing.T, who string) *crm.User {
	t.Helper()
	u, err := e.store.Deps().Users.FindUser(context.Background(), e.ids[who], crm.Everything)
	require.NoError(t, err)
	return u
}

// as returns a context acting as a fixture user.
func (e *env) as(who string) context.Context {
	return crm.NewContext(context.Background(), e.users[who])
}

var userSeq struct {
	sync.Mutex
	n int
}

// createUser creates an active user through the service, as M.
func (e *env) createUser(t *testing.T, name string, role crm.Role) *crm.User {
	t.Helper()
	u, err := e.svc.CreateUser(e.as("M"), crm.UserInput{Username: crm.Some(name), Email: crm.Some(name + "@epic.example"),
		FirstName: crm.Some(strings.ToUpper(name[:1]) + name[1:]), LastName: crm.Some("Tester"),
		Role: crm.Some(role), Password: crm.Some(testPassword)})
	require.NoError(t, err)
	return u
}

// freshName returns a username not used before in the test binary.
func freshName(prefix string) string {
	userSeq.Lock()
	defer userSeq.Unlock()
	userSeq.n++
	return prefix + itoa(userSeq.n)
}

func (e *env) createClient(t *testing.T, who, email string) int64 {
	t.Helper()
	c, err := e.svc.CreateClient(e.as(who), crm.ClientInput{FirstName: crm.Some("Fresh"), LastName: crm.Some("Client"),
		Email: crm.Some(email)})
	require.NoError(t, err)
	return c.ID
}

func (e *env) createContract(t *testing.T, who string, client int64, amount string) int64 {
	t.Helper()
	m, err := crm.ParseMoney(amount)
	require.NoError(t, err)
	k, err := e.svc.CreateContract(e.as(who), crm.ContractInput{ClientID: crm.Some(client), Amount: crm.Some(m)})
	require.NoError(t, err)
	return k.ID
}

func (e *env) createEvent(t *testing.T, who string, contract int64, name string) int64 {
	t.Helper()
	ev, err := e.svc.CreateEvent(e.as(who), crm.EventInput{ContractID: crm.Some(contract), Name: crm.Some(name),
		EventDate: crm.Some(time.Date(2027, 6, 1, 18, 0, 0, 0, time.UTC)), Location: crm.Some("Paris")})
	require.NoError(t, err)
	return ev.ID
}

// expand replaces {NAME} in s by the id of a fixture.
func (e *env) expand(s string) string {
	for name, id := range e.ids {
		s = strings.ReplaceAll(s, "{"+name+"}", itoa(int(id)))
	}
	return s
}

// req is one request of a test.
type req struct {
	who    string // a fixture user, or "" for anonymous
	method string
	path   string
	body   string
	header map[string]string
}

// do sends a request to the app, its body as JSON, and returns the response with its body read.
func (e *env) do(t *testing.T, r req) (*http.Response, []byte) {
	t.Helper()
	ct := ""
	if r.body != "" {
		ct = "application/json"
	}
	return e.doBody(t, r, e.expand(r.body), ct)
}

// doBody sends a request with a body and content type exactly as given.
func (e *env) doBody(t *testing.T, r req, body, contentType string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	hr := httptest.NewRequest(r.method, e.prefix+e.expand(r.path), rd)
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if r.who != "" {
		require.Contains(t, e.access, r.who, "no token for %s", r.who)
		hr.Header.Set("Authorization", "Bearer "+e.access[r.who])
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := e.app.Test(hr, 20000)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, b
}

// lastAuditID returns the id of the newest audit entry: any write leaves one, so an unchanged
// value proves that nothing was written.
func (e *env) lastAuditID(t *testing.T) int64 {
	t.Helper()
	entries, _, err := e.store.Deps().Audit.ListAudit(context.Background(),
		crm.AuditFilter{ListOptions: crm.ListOptions{Limit: 1, Sort: "-id"}})
	require.NoError(t, err)
	if len(entries) == 0 {
		return 0
	}
	return entries[0].ID
}

// problemBody is an error response.
type problemBody struct {
	Type   string           `json:"type"`
	Title  string           `json:"title"`
	Status int              `json:"status"`
	Detail string           `json:"detail"`
	Errors []crm.FieldError `json:"errors"`
}

// decodeProblem checks that a response is a problem document of its status and returns it.
func decodeProblem(t *testing.T, resp *http.Response, body []byte) problemBody {
	t.Helper()
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "body: %s", body)
	var p problemBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&p), "body: %s", body)
	require.Equal(t, resp.StatusCode, p.Status)
	return p
}

// fieldNames returns the fields a problem names.
func fieldNames(p problemBody) []string {
	out := make([]string, len(p.Errors))
	for i, f := range p.Errors {
		out[i] = f.Field
	}
	return out
}

// lines returns the JSON log lines written so far.
func logLines(t *testing.T, b *syncbuf.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "log line %q", l)
		out = append(out, m)
	}
	return out
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// newTestLogger returns a JSON logger writing into buf.
func newTestLogger(buf *syncbuf.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
