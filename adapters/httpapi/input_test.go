package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeEndpoint is an endpoint that takes a JSON body, as a caller allowed to use it, with a
// valid body (so that each bad variant below differs from it in one way only) and a key of a
// JSON type it does not accept.
type writeEndpoint struct {
	who, method, path string
	valid             string
	wrongType         string // a body with one key of the wrong type
	wrongField        string // that key
}

// writeEndpoints are every endpoint with a body.
var writeEndpoints = []writeEndpoint{
	{"", "POST", "/api/v1/auth/login", `{"username":"sally","password":"x"}`, `{"username":7,"password":"x"}`, "username"},
	{"", "POST", "/api/v1/auth/refresh", `{"refresh_token":"x"}`, `{"refresh_token":["x"]}`, "refresh_token"},
	{"M", "POST", "/api/v1/auth/logout", `{"refresh_token":"x"}`, `{"refresh_token":{}}`, "refresh_token"},
	{"S1", "POST", "/api/v1/me/password", `{"current_password":"a","new_password":"b"}`, `{"current_password":true,"new_password":"b"}`, "current_password"},
	{"M", "POST", "/api/v1/users", `{"username":"neo","email":"neo@x.example","role":"sales","password":"Tangerine-Orbit-42"}`,
		`{"username":"neo","email":"neo@x.example","role":"sales","password":"Tangerine-Orbit-42","is_active":"yes"}`, "is_active"},
	{"M", "PUT", "/api/v1/users/{S2}", `{"username":"sam","email":"sam@epic.example","first_name":"","last_name":"","role":"sales","is_active":true}`,
		`{"username":"sam","email":"sam@epic.example","first_name":"","last_name":"","role":"sales","is_active":1}`, "is_active"},
	{"M", "PATCH", "/api/v1/users/{S2}", `{"first_name":"Sam"}`, `{"first_name":["Sam"]}`, "first_name"},
	{"S1", "POST", "/api/v1/clients", `{"first_name":"A","last_name":"B","email":"ab@x.example"}`,
		`{"first_name":"A","last_name":"B","email":"ab@x.example","sales_contact_id":"{S1}"}`, "sales_contact_id"},
	{"S1", "PUT", "/api/v1/clients/{C1}", `{"first_name":"A","last_name":"B","email":"ab@x.example","phone":"","mobile":"","company":"","status":"potential","sales_contact_id":{S1}}`,
		`{"first_name":"A","last_name":"B","email":"ab@x.example","phone":"","mobile":"","company":"","status":"potential","sales_contact_id":1.5}`, "sales_contact_id"},
	{"S1", "PATCH", "/api/v1/clients/{C1}", `{"company":"Acme"}`, `{"company":42}`, "company"},
	{"S1", "POST", "/api/v1/contracts", `{"client_id":{C1},"amount":"10.00"}`, `{"client_id":"{C1}","amount":"10.00"}`, "client_id"},
	{"S1", "PUT", "/api/v1/contracts/{K2}", `{"sales_contact_id":{S1},"amount":"10.00","amount_due":"0.00","payment_due":"2027-01-31","status":"open"}`,
		`{"sales_contact_id":{S1},"amount":"10.00","amount_due":"0.00","payment_due":20270131,"status":"open"}`, "payment_due"},
	{"S1", "PATCH", "/api/v1/contracts/{K2}", `{"amount_due":"1.00"}`, `{"amount_due":true}`, "amount_due"},
	{"S1", "POST", "/api/v1/events", `{"contract_id":{K1},"name":"Gala","event_date":"2027-07-01T19:00:00Z"}`,
		`{"contract_id":{K1},"name":"Gala","event_date":"2027-07-01T19:00:00Z","attendees":"many"}`, "attendees"},
	{"P1", "PUT", "/api/v1/events/{E1}", `{"name":"N","support_contact_id":{P1},"event_date":"2027-06-01T18:00:00Z","end_date":null,"location":"","attendees":0,"notes":"","status":"open"}`,
		`{"name":"N","support_contact_id":{P1},"event_date":"tomorrow","end_date":null,"location":"","attendees":0,"notes":"","status":"open"}`, "event_date"},
	{"P1", "PATCH", "/api/v1/events/{E1}", `{"notes":"n"}`, `{"notes":null}`, "notes"},
}

// TestBadBodies sends each endpoint with a body the same set of bad bodies: each is refused
// with a clear 4xx naming the problem, never a 5xx, and nothing is written.
func TestBadBodies(t *testing.T) {
	t.Parallel()
	type variant struct {
		name        string
		body        func(w writeEndpoint) string
		contentType string
		status      int
		field       func(w writeEndpoint) string
	}
	none := func(writeEndpoint) string { return "" }
	variants := []variant{
		{"malformed JSON", func(w writeEndpoint) string { return strings.TrimSuffix(w.valid, "}") }, "application/json", 400, none},
		{"not JSON at all", func(writeEndpoint) string { return "name=x" }, "application/json", 400, none},
		{"trailing garbage", func(w writeEndpoint) string { return w.valid + " xyz" }, "application/json", 400, none},
		{"two objects", func(w writeEndpoint) string { return w.valid + w.valid }, "application/json", 400, none},
		{"too many keys", func(w writeEndpoint) string { return strings.Replace(w.valid, "{", "{"+manyKeys(65), 1) }, "application/json", 400, none},
		{"an array", func(w writeEndpoint) string { return "[" + w.valid + "]" }, "application/json", 400, none},
		{"invalid UTF-8", func(w writeEndpoint) string { return strings.Replace(w.valid, `":`, "\xff\":", 1) }, "application/json", 400, none},
		{"empty body", func(writeEndpoint) string { return "" }, "application/json", 400, none},
		{"form content type", func(w writeEndpoint) string { return w.valid }, "application/x-www-form-urlencoded", 415, none},
		{"text content type", func(w writeEndpoint) string { return w.valid }, "text/plain", 415, none},
		{"JSON in another charset", func(w writeEndpoint) string { return w.valid }, "application/json; charset=latin1", 415, none},
		{"no content type", func(w writeEndpoint) string { return w.valid }, "", 415, none},
		{"unknown key", func(w writeEndpoint) string { return strings.Replace(w.valid, "{", `{"is_admin":true,`, 1) }, "application/json", 422,
			func(writeEndpoint) string { return "is_admin" }},
		{"read-only id", func(w writeEndpoint) string { return strings.Replace(w.valid, "{", `{"id":1,`, 1) }, "application/json", 422,
			func(writeEndpoint) string { return "id" }},
		{"a key twice", func(w writeEndpoint) string { return strings.Replace(w.valid, "{", "{"+firstPair(w.valid)+",", 1) }, "application/json", 422,
			func(w writeEndpoint) string { return firstKey(w.valid) }},
		{"wrong type", func(w writeEndpoint) string { return w.wrongType }, "application/json", 422,
			func(w writeEndpoint) string { return w.wrongField }},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for _, w := range writeEndpoints {
			for _, v := range variants {
				t.Run(w.method+" "+w.path+" "+v.name, func(t *testing.T) {
					body := e.expand(v.body(w))
					before := e.lastAuditID(t)
					r := req{who: w.who, method: w.method, path: w.path}
					resp, b := e.doBody(t, r, body, v.contentType)
					require.Equal(t, v.status, resp.StatusCode, "body sent: %q, answer: %s", body, b)
					p := decodeProblem(t, resp, b)
					if f := v.field(w); f != "" {
						assert.Contains(t, fieldNames(p), f, "answer: %s", b)
					}
					assert.Equal(t, before, e.lastAuditID(t), "a refused body wrote to the store")
				})
			}
		}
	})
}

// manyKeys returns n distinct "kN":0 pairs, each followed by a comma.
func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`"k` + itoa(i) + `":0,`)
	}
	return b.String()
}

// firstPair returns the first "key":value pair of a flat JSON object written without spaces.
func firstPair(obj string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(obj, "{"), "}")
	pair, _, _ := strings.Cut(inner, `,"`)
	return pair
}

// firstKey returns the first key of a flat JSON object.
func firstKey(obj string) string {
	k, _, _ := strings.Cut(strings.TrimPrefix(firstPair(obj), `"`), `"`)
	return k
}

// TestInvalidValues checks the values the domain refuses (unknown enum values, a missing field
// of a full update, nulls, out-of-range numbers) come back as 422 naming each field.
func TestInvalidValues(t *testing.T) {
	t.Parallel()
	scenarios := []scenario{
		{name: "unknown role", req: req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"neo","email":"neo@x.example","role":"admin","password":"Tangerine-Orbit-42"}`}, status: 422, fields: []string{"role"}},
		{name: "unknown client status", req: req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"status":"lost"}`}, status: 422, fields: []string{"status"}},
		{name: "unknown contract status", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"status":"void"}`}, status: 422, fields: []string{"status"}},
		{name: "unknown event status", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"status":"done"}`}, status: 422, fields: []string{"status"}},
		{name: "every bad field at once", req: req{who: "S1", method: "POST", path: "/api/v1/clients",
			body: `{"first_name":"","last_name":"","email":"not-an-email","phone":"call me"}`}, status: 422,
			fields: []string{"first_name", "last_name", "email", "phone"}},
		{name: "PUT without every field", req: req{who: "S1", method: "PUT", path: "/api/v1/clients/{C1}", body: `{"first_name":"Carla"}`},
			status: 422, fields: []string{"last_name", "email", "phone", "mobile", "company", "status", "sales_contact_id"}},
		{name: "null for a value that cannot be null", req: req{who: "M", method: "PATCH", path: "/api/v1/users/{S2}", body: `{"is_active":null}`},
			status: 422, fields: []string{"is_active"}, after: func(t *testing.T, e *env) { assert.True(t, e.current(t, "S2").IsActive) }},
		{name: "an id too large for any record", req: req{who: "S1", method: "POST", path: "/api/v1/contracts",
			body: `{"client_id":99999999999999999999,"amount":"1.00"}`}, status: 422, fields: []string{"client_id"}},
		{name: "a negative amount", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount":"-5.00"}`},
			status: 422, fields: []string{"amount"}},
		{name: "an amount with three decimals", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount":"5.001"}`},
			status: 422, fields: []string{"amount"}},
		{name: "an amount in exponent form", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount":1e3}`},
			status: 422, fields: []string{"amount"}},
		{name: "an amount as a number", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount":900.5,"amount_due":12}`},
			status: 200, contains: []string{`"amount":"900.50"`, `"amount_due":"12.00"`}},
		{name: "a negative attendance", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"attendees":-1}`},
			status: 422, fields: []string{"attendees"}},
		{name: "a fractional attendance", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"attendees":1.5}`},
			status: 422, fields: []string{"attendees"}},
		{name: "an end before the start", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"end_date":"2020-01-01T00:00:00Z"}`},
			status: 422, fields: []string{"end_date"}},
		{name: "a bad date", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"payment_due":"2027-02-30"}`},
			status: 422, fields: []string{"payment_due"}},
		{name: "a duplicate username", req: req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"sally","email":"other@x.example","role":"sales","password":"Tangerine-Orbit-42"}`}, status: 409},
		{name: "a weak password", req: req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"weak","email":"weak@x.example","role":"sales","password":"12345678"}`}, status: 422, fields: []string{"password"}},
		{name: "a user who is still a contact", req: req{who: "M", method: "DELETE", path: "/api/v1/users/{S1}"}, status: 409},
		{name: "a client with contracts", req: req{who: "M", method: "DELETE", path: "/api/v1/clients/{C1}"}, status: 409},
		{name: "a contract with events", req: req{who: "M", method: "DELETE", path: "/api/v1/contracts/{K1}"}, status: 409},
		{name: "signing a signed contract", req: req{who: "S1", method: "POST", path: "/api/v1/contracts/{K1}/sign"}, status: 409},
		{name: "reopening a signed contract", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K1}", body: `{"status":"open"}`}, status: 409},
		{name: "a key sent to sign", req: req{who: "S1", method: "POST", path: "/api/v1/contracts/{K2}/sign", body: `{"status":"signed"}`},
			status: 422, fields: []string{"status"}},
		{name: "a body sent to delete", req: req{who: "M", method: "DELETE", path: "/api/v1/events/{E1}", body: `{"force":true}`},
			status: 422, fields: []string{"force"}},
		{name: "a wrong current password", req: req{who: "S1", method: "POST", path: "/api/v1/me/password",
			body: `{"current_password":"nope","new_password":"Brand-New-Secret-9"}`}, status: 422, fields: []string{"current_password"}},
		{name: "a weak new password", req: req{who: "S1", method: "POST", path: "/api/v1/me/password",
			body: `{"current_password":"Tangerine-Orbit-42","new_password":"password"}`}, status: 422, fields: []string{"new_password"}},
		{name: "a NUL character in a text field", req: req{who: "S1", method: "POST", path: "/api/v1/clients",
			body: `{"first_name":"a\u0000b","last_name":"B","email":"nul@x.example"}`}, status: 422, fields: []string{"first_name"}},
		{name: "a login without a password", req: req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"sally"}`},
			status: 422, fields: []string{"password"}},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		runScenarios(t, newEnv(t, open), scenarios)
	})
}

// TestBadPathIDs sends malformed ids to every route with an id: 400, never a 5xx.
func TestBadPathIDs(t *testing.T) {
	t.Parallel()
	ids := []string{"abc", "0", "-1", "99999999999999999999", "1.5", "01", "%20", "1e3", "0x1", "1;DROP%20TABLE%20clients"}
	type route struct{ method, path, body string }
	var routes []route
	for _, r := range []string{"users", "clients", "contracts", "events"} {
		routes = append(routes, route{"GET", "/api/v1/" + r + "/", ""}, route{"PATCH", "/api/v1/" + r + "/", `{}`},
			route{"DELETE", "/api/v1/" + r + "/", ""})
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for _, r := range routes {
			for _, id := range ids {
				t.Run(r.method+" "+r.path+id, func(t *testing.T) {
					before := e.lastAuditID(t)
					resp, b := e.do(t, req{who: "M", method: r.method, path: r.path + id, body: r.body})
					require.Equal(t, http.StatusBadRequest, resp.StatusCode, "answer: %s", b)
					assert.Contains(t, fieldNames(decodeProblem(t, resp, b)), "id")
					assert.Equal(t, before, e.lastAuditID(t))
				})
			}
		}
		resp, b := e.do(t, req{who: "M", method: "POST", path: "/api/v1/contracts/abc/sign"})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "answer: %s", b)
	})
}

// TestBadQueries sends malformed, unknown and hostile query parameters to the lists: a
// malformed one is a 400 naming it, a hostile text is only text, and nothing is a 5xx.
func TestBadQueries(t *testing.T) {
	t.Parallel()
	bad := []struct{ path, param string }{
		{"/api/v1/clients?sales_contact_id=abc", "sales_contact_id"},
		{"/api/v1/clients?sales_contact_id=0", "sales_contact_id"},
		{"/api/v1/clients?sales_contact_id=1%20OR%201=1", "sales_contact_id"},
		{"/api/v1/clients?page=2", "page"},
		{"/api/v1/clients?search=Carla", "search"},
		{"/api/v1/clients?limit=0", "limit"},
		{"/api/v1/clients?limit=501", "limit"},
		{"/api/v1/clients?limit=1000000", "limit"},
		{"/api/v1/clients?limit=-1", "limit"},
		{"/api/v1/clients?limit=10&limit=20", "limit"},
		{"/api/v1/clients?sort=password", "sort"},
		{"/api/v1/clients?sort=id;DROP%20TABLE%20clients", "sort"},
		{"/api/v1/clients?status=lost", "status"},
		{"/api/v1/clients?cursor=not-a-cursor", ""},
		{"/api/v1/clients?q=" + strings.Repeat("x", 201), "q"},
		{"/api/v1/contracts?amount=ten", "amount"},
		{"/api/v1/contracts?amount_min=1.234", "amount_min"},
		{"/api/v1/contracts?amount_max=-1", "amount_max"},
		{"/api/v1/contracts?date_created=2027-13-01", "date_created"},
		{"/api/v1/contracts?date_created=yesterday", "date_created"},
		{"/api/v1/contracts?unpaid=yes", "unpaid"},
		{"/api/v1/contracts?unpaid=1", "unpaid"},
		{"/api/v1/events?event_date=2027-06-01T00:00:00Z", "event_date"},
		{"/api/v1/events?unassigned=TRUE", "unassigned"},
		{"/api/v1/events?from=2027-06-01", "from"},
		{"/api/v1/events?from=2027-06-01T18:00:00", "from"},
		{"/api/v1/events?from=2027-06-01T18:00:00+02:00", "from"},
		{"/api/v1/events?from=1%20OR%201=1", "from"},
		{"/api/v1/events?to=tomorrow", "to"},
		{"/api/v1/events?to=2027-02-30T00:00:00Z", "to"},
		{"/api/v1/events?to=", "to"},
		{"/api/v1/events?to=9999-12-31T23:00:00-05:00", "to"},
		{"/api/v1/events?from=0000-12-31T23:00:00Z", "from"},
		{"/api/v1/events?from=2027-06-01T00:00:00Z&from=2027-07-01T00:00:00Z", "from"},
		{"/api/v1/contracts?q=" + strings.Repeat("x", 201), "q"},
		{"/api/v1/contracts?q=a%00b", "q"},
		{"/api/v1/events?support_contact_id=-3", "support_contact_id"},
		{"/api/v1/users?is_active=maybe", "is_active"},
		{"/api/v1/users?role=admin", "role"},
		{"/api/v1/audit?resource=audit", "resource"},
		{"/api/v1/audit?actor_id=x", "actor_id"},
		{"/api/v1/clients/{C1}?expand=contracts", "expand"},
		{"/api/v1/me?debug=1", "debug"},
		{"/api/v1/users?q=%00", "q"},
		{"/api/v1/clients?company=a%0Ab", "company"},
		{"/healthz?verbose=1", "verbose"},
	}
	hostile := []string{
		"/api/v1/clients?q=%27%20OR%20%271%27=%271",
		"/api/v1/clients?email=%25",
		"/api/v1/clients?company=_",
		"/api/v1/clients?last_name=x%27%3B%20DROP%20TABLE%20clients%3B--",
		"/api/v1/contracts?client_email=%27%29%20OR%201=1--",
		"/api/v1/contracts?q=%25",
		"/api/v1/contracts?q=_",
		"/api/v1/contracts?q=%27%20OR%20%271%27=%271",
		"/api/v1/events?client_first_name=%5C",
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for _, tc := range bad {
			t.Run(tc.path, func(t *testing.T) {
				resp, b := e.do(t, req{who: "M", method: "GET", path: tc.path})
				require.Equal(t, http.StatusBadRequest, resp.StatusCode, "answer: %s", b)
				p := decodeProblem(t, resp, b)
				if tc.param != "" {
					assert.Contains(t, fieldNames(p), tc.param, "answer: %s", b)
				}
			})
		}
		for _, path := range hostile {
			t.Run(path, func(t *testing.T) {
				assert.Empty(t, e.listIDs(t, "M", path), "a hostile filter matched records")
			})
		}
		t.Run("the store is intact", func(t *testing.T) {
			assert.Equal(t, e.idsOf("C1", "C2"), e.listIDs(t, "M", "/api/v1/clients"))
		})
	})
}
