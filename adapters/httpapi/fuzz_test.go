package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
)

// fuzzAPI is an API on SQLite with a small fixture, built once per fuzz target (newEnv needs a
// *testing.T): a manager M, sales S1, support P1 and a sales user U whose account the user
// endpoints change, so that no fuzzed write can log out the callers; client C1 of S1, contract
// K1 (signed) and K2 on C1, event E1 on K1 assigned to P1.
type fuzzAPI struct {
	handler fasthttp.RequestHandler
	ids     map[string]int64
	access  map[string]string
}

func newFuzzAPI(f *testing.F) *fuzzAPI {
	f.Helper()
	ctx := context.Background()
	store := sqlitetest.New(f)
	_, key, err := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
	require.NoError(f, err)
	cfg := httpapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	crmApp, err := epiccrm.Open(ctx, epiccrm.Config{Store: store, SigningKey: key, Passwords: password.New(password.ForTests),
		Throttling: crm.Throttling{PerAccount: 1 << 30, PerAddress: 1 << 30, Window: time.Minute}, Logger: cfg.Logger, API: cfg})
	require.NoError(f, err)
	svc := crmApp.Service
	app := httpapi.NewApp(cfg)
	require.NoError(f, crmApp.Mount(app, "", epiccrm.PartAdmin))
	a := &fuzzAPI{handler: app.Handler(), ids: map[string]int64{}, access: map[string]string{}}

	users := map[string]*crm.User{}
	m, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("manager"), Email: crm.Some("manager@epic.example"),
		Password: crm.Some(testPassword)})
	require.NoError(f, err)
	users["M"] = m
	for who, role := range map[string]crm.Role{"S1": crm.RoleSales, "P1": crm.RoleSupport, "U": crm.RoleSales} {
		name := strings.ToLower(who) + "user"
		u, err := svc.CreateUser(crm.NewContext(ctx, m), crm.UserInput{Username: crm.Some(name), Email: crm.Some(name + "@epic.example"),
			Role: crm.Some(role), Password: crm.Some(testPassword)})
		require.NoError(f, err)
		users[who] = u
	}
	as := func(who string) context.Context { return crm.NewContext(ctx, users[who]) }
	c1, err := svc.CreateClient(as("S1"), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
		Email: crm.Some("carla@acme.example")})
	require.NoError(f, err)
	k1, err := svc.CreateContract(as("S1"), crm.ContractInput{ClientID: crm.Some(c1.ID), Amount: crm.Some(crm.Money(150000))})
	require.NoError(f, err)
	_, err = svc.SignContract(as("S1"), k1.ID, 0)
	require.NoError(f, err)
	k2, err := svc.CreateContract(as("S1"), crm.ContractInput{ClientID: crm.Some(c1.ID), Amount: crm.Some(crm.Money(80000))})
	require.NoError(f, err)
	e1, err := svc.CreateEvent(as("S1"), crm.EventInput{ContractID: crm.Some(k1.ID), Name: crm.Some("Gala"),
		EventDate: crm.Some(time.Date(2027, 6, 1, 18, 0, 0, 0, time.UTC))})
	require.NoError(f, err)
	_, err = svc.AssignSupport(as("M"), e1.ID, crm.Ptr(users["P1"].ID), 0)
	require.NoError(f, err)
	a.ids["C1"], a.ids["K1"], a.ids["K2"], a.ids["E1"] = c1.ID, k1.ID, k2.ID, e1.ID
	for who, u := range users {
		a.ids[who] = u.ID
		pair, err := crmApp.Tokens.Issue(ctx, u)
		require.NoError(f, err)
		a.access[who] = pair.AccessToken
	}
	return a
}

// expand replaces {NAME} in s by the id of a fixture.
func (a *fuzzAPI) expand(s string) string {
	for name, id := range a.ids {
		s = strings.ReplaceAll(s, "{"+name+"}", itoa(id))
	}
	return s
}

// serve sends one request straight to the app's handler (no socket, so any bytes can be sent)
// and returns the status, content type and body of the response.
func (a *fuzzAPI) serve(who, method, uri, contentType string, body []byte) (int, string, []byte) {
	var c fasthttp.RequestCtx
	c.Request.Header.SetMethod(method)
	c.Request.SetRequestURI(uri)
	if contentType != "" {
		c.Request.Header.SetContentType(contentType)
	}
	if who != "" {
		c.Request.Header.Set("Authorization", "Bearer "+a.access[who])
	}
	c.Request.SetBody(body)
	a.handler(&c)
	return c.Response.StatusCode(), string(c.Response.Header.ContentType()), c.Response.Body()
}

// checkProblem checks that an error response is a problem document of its own status.
func checkProblem(t *testing.T, status int, contentType string, body []byte) {
	t.Helper()
	require.Equal(t, "application/problem+json", contentType, "status %d, body %s", status, body)
	var p problemBody
	require.NoError(t, json.Unmarshal(body, &p), "body %s", body)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Detail)
}

// bodyEndpoints are the endpoints that take a JSON body, each with a caller allowed to use it
// and a valid body.
var bodyEndpoints = []struct{ who, method, path, valid string }{
	{"", "POST", "/api/v1/auth/login", `{"username":"s1user","password":"wrong"}`},
	{"", "POST", "/api/v1/auth/refresh", `{"refresh_token":"x"}`},
	{"M", "POST", "/api/v1/auth/logout", `{"refresh_token":"x"}`},
	{"S1", "POST", "/api/v1/me/password", `{"current_password":"a","new_password":"b"}`},
	{"M", "POST", "/api/v1/users", `{"username":"neo","email":"neo@x.example","role":"sales","password":"Tangerine-Orbit-42"}`},
	{"M", "PUT", "/api/v1/users/{U}", `{"username":"uuser","email":"uuser@epic.example","first_name":"","last_name":"","role":"sales","is_active":true}`},
	{"M", "PATCH", "/api/v1/users/{U}", `{"first_name":"Sam"}`},
	{"S1", "POST", "/api/v1/clients", `{"first_name":"A","last_name":"B","email":"ab@x.example"}`},
	{"S1", "PUT", "/api/v1/clients/{C1}", `{"first_name":"A","last_name":"B","email":"ab@x.example","phone":"","mobile":"","company":"","status":"potential","sales_contact_id":{S1}}`},
	{"S1", "PATCH", "/api/v1/clients/{C1}", `{"company":"Acme","phone":"+33 1 23 45 67 89"}`},
	{"S1", "POST", "/api/v1/contracts", `{"client_id":{C1},"amount":"10.00"}`},
	{"S1", "PUT", "/api/v1/contracts/{K2}", `{"sales_contact_id":{S1},"amount":"10.00","amount_due":"0.00","payment_due":"2027-01-31","status":"open"}`},
	{"S1", "PATCH", "/api/v1/contracts/{K2}", `{"amount_due":"1.00"}`},
	{"S1", "POST", "/api/v1/events", `{"contract_id":{K1},"name":"Gala","event_date":"2027-07-01T19:00:00Z"}`},
	{"P1", "PUT", "/api/v1/events/{E1}", `{"name":"N","support_contact_id":{P1},"event_date":"2027-06-01T18:00:00Z","end_date":null,"location":"","attendees":0,"notes":"","status":"open"}`},
	{"P1", "PATCH", "/api/v1/events/{E1}", `{"notes":"n","attendees":12,"end_date":"2027-06-02T01:00:00+02:00"}`},
}

// FuzzBodies sends fuzzed bodies and content types to every endpoint that takes a body, as a
// caller allowed to use it. Whatever the bytes, the answer is never a 5xx, every error is a
// problem document, a body that is not JSON is 400 (415 when it is not declared as JSON), and
// only a JSON object can succeed.
func FuzzBodies(f *testing.F) {
	a := newFuzzAPI(f)
	for i, ep := range bodyEndpoints {
		valid := a.expand(ep.valid)
		f.Add(uint8(i), "application/json", []byte(valid))
		f.Add(uint8(i), "application/json; charset=utf-8", []byte(`{"id":1,`+valid[1:]))
		f.Add(uint8(i), "application/json", []byte(strings.TrimSuffix(valid, "}")))
		f.Add(uint8(i), "application/json", []byte(valid+valid))
		f.Add(uint8(i), "text/plain", []byte(valid))
		f.Add(uint8(i), "application/json", []byte(`[`+valid+`]`))
	}
	f.Add(uint8(7), "application/json", []byte(`{"email":"a\u0000@x.example","first_name":"\ud800","last_name":null}`))
	f.Add(uint8(10), "application/json", []byte(`{"client_id":1e400,"amount":-0.001}`))
	f.Add(uint8(13), "application/json", []byte(`{"contract_id":9223372036854775808,"name":"x","event_date":"0000-01-01T00:00:00Z","attendees":-2147483649}`))
	f.Add(uint8(15), "application/json", []byte(`{"end_date":"9999-12-31T23:59:59-23:59"}`))
	f.Add(uint8(4), "application/json", []byte("{\"username\":\"a\xffb\"}"))
	f.Add(uint8(0), "", []byte{})
	f.Fuzz(func(t *testing.T, pick uint8, contentType string, body []byte) {
		ep := bodyEndpoints[int(pick)%len(bodyEndpoints)]
		status, ct, resp := a.serve(ep.who, ep.method, a.expand(ep.path), contentType, body)
		require.Less(t, status, 500, "%s %s with %q: %s", ep.method, ep.path, body, resp)
		if status >= 400 {
			checkProblem(t, status, ct, resp)
		}
		trimmed := bytes.TrimSpace(body)
		mt, _, err := mime.ParseMediaType(contentType)
		declaredJSON := err == nil && mt == fiber.MIMEApplicationJSON
		switch {
		case len(trimmed) > 0 && !declaredJSON:
			assert.Equal(t, 415, status, "a body declared as %q: %s", contentType, resp)
		case contentType == fiber.MIMEApplicationJSON && (!json.Valid(body) || trimmed[0] != '{'):
			assert.Equal(t, 400, status, "a body that is not one JSON object: %s", resp)
		}
		if status < 300 {
			assert.True(t, json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{', "%q succeeded", body)
		}
	})
}

// listPaths are the lists, which take query parameters.
var listPaths = []string{"/api/v1/users", "/api/v1/clients", "/api/v1/contracts", "/api/v1/events", "/api/v1/audit"}

// FuzzQuery sends fuzzed query strings to every list as the manager, who may read them all:
// the answer is 200 or a 400 problem naming the parameters at fault, never a 5xx.
func FuzzQuery(f *testing.F) {
	a := newFuzzAPI(f)
	for i, q := range []string{"", "limit=1", "limit=0", "limit=1000000", "sort=-id&limit=2", "cursor=abc", "q=acme",
		"q=%00", "q=%ff%fe", "sales_contact_id={S1}", "sales_contact_id=01", "sales_contact_id=-1",
		"event_date_after=2027-06-01T18:00:00Z", "event_date_after=2027-06-01T18:00:00+02:00", "event_date_before=9999-12-31T23:59:59-23:00",
		"min_amount=10.00", "min_amount=-1", "unsigned=true", "unsigned=yes", "limit=1&limit=2", "nope=1", "sort=", "sort=password_hash",
		"payment_due_before=2027-02-30", "resource=client&record_id=1", "q=" + strings.Repeat("a", 201), "%zz=1", "a=%", "&&&=&"} {
		f.Add(uint8(i), a.expand(q))
	}
	f.Fuzz(func(t *testing.T, pick uint8, rawQuery string) {
		path := listPaths[int(pick)%len(listPaths)]
		rawQuery = onTheWire(rawQuery)
		status, ct, resp := a.serve("M", "GET", path+"?"+rawQuery, "", nil)
		require.Contains(t, []int{200, 400}, status, "GET %s?%s: %s", path, rawQuery, resp)
		if status == 400 {
			checkProblem(t, status, ct, resp)
		} else {
			assert.True(t, json.Valid(resp), "GET %s?%s: %s", path, rawQuery, resp)
		}
	})
}

// onTheWire percent-encodes the bytes of a query that cannot appear as such in a request line
// (controls, spaces, non-ASCII, #), as a client sends them; the rest is left as the fuzzer made
// it, stray % included.
func onTheWire(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
