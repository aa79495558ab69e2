package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// scenario is one request with what its answer must and must not say.
type scenario struct {
	name     string
	req      req
	status   int
	fields   []string // the fields a problem must name
	contains []string
	excludes []string
	// after checks the store once the request is done.
	after func(t *testing.T, e *env)
}

// run makes the request of each scenario and checks its answer; a refused write must leave
// the store untouched.
func runScenarios(t *testing.T, e *env, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			before := e.lastAuditID(t)
			resp, body := e.do(t, sc.req)
			require.Equal(t, sc.status, resp.StatusCode, "body: %s", body)
			if sc.status >= 400 {
				p := decodeProblem(t, resp, body)
				for _, f := range sc.fields {
					assert.Contains(t, fieldNames(p), f, "problem: %s", body)
				}
				if sc.req.method != "GET" {
					assert.Equal(t, before, e.lastAuditID(t), "a refused request wrote to the store")
				}
			}
			for _, s := range sc.contains {
				assert.Contains(t, string(body), e.expand(s))
			}
			for _, s := range sc.excludes {
				assert.NotContains(t, string(body), e.expand(s))
			}
			if sc.after != nil {
				sc.after(t, e)
			}
		})
	}
}

// TestObjectLevelAuthorization covers broken object-level authorization (OWASP API1): a record
// outside the caller's scope does not exist for them, on every verb; a parent named in a body is
// checked like one in the path.
func TestObjectLevelAuthorization(t *testing.T) {
	t.Parallel()
	scenarios := []scenario{
		{name: "S2 deletes C1", req: req{who: "S2", method: "DELETE", path: "/api/v1/clients/{C1}"}, status: 404, excludes: []string{"Carla"}},
		{name: "S2 reads K1", req: req{who: "S2", method: "GET", path: "/api/v1/contracts/{K1}"}, status: 404, excludes: []string{"1500"}},
		{name: "S2 patches K1", req: req{who: "S2", method: "PATCH", path: "/api/v1/contracts/{K1}", body: `{"amount_due":"0.00"}`}, status: 404},
		{name: "S2 deletes K1", req: req{who: "S2", method: "DELETE", path: "/api/v1/contracts/{K1}"}, status: 404},
		{name: "S2 signs K2", req: req{who: "S2", method: "POST", path: "/api/v1/contracts/{K2}/sign"}, status: 404},
		{name: "P2 puts E1", req: req{who: "P2", method: "PUT", path: "/api/v1/events/{E1}",
			body: `{"name":"x","support_contact_id":{P2},"event_date":"2027-06-01T18:00:00Z","end_date":null,"location":"","attendees":0,"notes":"","status":"open"}`}, status: 404},
		{name: "P2 patches E1", req: req{who: "P2", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"notes":"mine now"}`}, status: 404},
		{name: "P2 deletes E1", req: req{who: "P2", method: "DELETE", path: "/api/v1/events/{E1}"}, status: 404},
		{name: "S1 patches E1 it may only read", req: req{who: "S1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"notes":"x"}`}, status: 403},
		{name: "P1 patches E1 assigned to them", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"attendees":120}`},
			status: 200, contains: []string{`"attendees":120`}},
		{name: "a record that does not exist looks the same", req: req{who: "S2", method: "GET", path: "/api/v1/clients/999999"}, status: 404},

		{name: "S2 creates a contract for C1", req: req{who: "S2", method: "POST", path: "/api/v1/contracts", body: `{"client_id":{C1},"amount":"10.00"}`},
			status: 422, fields: []string{"client_id"}},
		{name: "S2 creates an event on K1", req: req{who: "S2", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K1},"name":"Intrusion","event_date":"2027-06-01T18:00:00Z"}`}, status: 422, fields: []string{"contract_id"}},
		{name: "S1 sets an event's client in the body", req: req{who: "S1", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K1},"client_id":{C2},"name":"Mixed","event_date":"2027-06-01T18:00:00Z"}`}, status: 422, fields: []string{"client_id"}},
		{name: "S1 sets an event's sales contact in the body", req: req{who: "S1", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K1},"sales_contact_id":{S2},"name":"Mixed","event_date":"2027-06-01T18:00:00Z"}`}, status: 422, fields: []string{"sales_contact_id"}},
		{name: "S1 moves E1 to another contract", req: req{who: "M", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"contract_id":{K2}}`},
			status: 422, fields: []string{"contract_id"}},
		{name: "M moves K1 to another client", req: req{who: "M", method: "PATCH", path: "/api/v1/contracts/{K1}", body: `{"client_id":{C2}}`},
			status: 422, fields: []string{"client_id"}},
		{name: "S1 creates an event for an unsigned contract", req: req{who: "S1", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K2},"name":"Too early","event_date":"2027-06-01T18:00:00Z"}`}, status: 409},
		{name: "M creates an event with an unknown support contact", req: req{who: "M", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K1},"support_contact_id":{S1},"name":"Wrong role","event_date":"2027-06-01T18:00:00Z"}`}, status: 422, fields: []string{"support_contact_id"}},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		runScenarios(t, newEnv(t, open), scenarios)
	})
}

// TestMassAssignment covers OWASP API3: a field the caller may not set is refused with 403
// naming it, a read-only or unknown field with 422, and the record stays as it was.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	roleOf := func(who string, role crm.Role) func(*testing.T, *env) {
		return func(t *testing.T, e *env) { assert.Equal(t, role, e.current(t, who).Role) }
	}
	client := func(t *testing.T, e *env) {
		c, err := e.store.Deps().Clients.FindClient(context.Background(), e.ids["C1"], crm.Everything)
		require.NoError(t, err)
		assert.Equal(t, e.ids["S1"], *c.SalesContactID)
		assert.Equal(t, "carla@acme.example", c.Email)
	}
	scenarios := []scenario{
		{name: "S1 makes themselves management", req: req{who: "S1", method: "PATCH", path: "/api/v1/users/{S1}", body: `{"role":"management"}`},
			status: 403, fields: []string{"role"}, after: roleOf("S1", crm.RoleSales)},
		{name: "S1 is still refused the audit log", req: req{who: "S1", method: "GET", path: "/api/v1/audit"}, status: 403},
		{name: "S1 puts themselves as management", req: req{who: "S1", method: "PUT", path: "/api/v1/users/{S1}",
			body: `{"username":"sally","email":"sally@epic.example","first_name":"Sally","last_name":"Tester","role":"management","is_active":true}`},
			status: 403, fields: []string{"role"}, after: roleOf("S1", crm.RoleSales)},
		{name: "S1 deactivates themselves", req: req{who: "S1", method: "PATCH", path: "/api/v1/users/{S1}", body: `{"is_active":false}`},
			status: 403, fields: []string{"is_active"}},
		{name: "S1 sets their password without the current one", req: req{who: "S1", method: "PATCH", path: "/api/v1/users/{S1}", body: `{"password":"Brand-New-Secret-9"}`},
			status: 403, fields: []string{"password"}},
		{name: "M cannot demote themselves", req: req{who: "M", method: "PATCH", path: "/api/v1/users/{M}", body: `{"role":"sales"}`},
			status: 403, fields: []string{"role"}, after: roleOf("M", crm.RoleManagement)},
		{name: "S1 gives C1 to S2", req: req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"sales_contact_id":{S2}}`},
			status: 403, fields: []string{"sales_contact_id"}, after: client},
		{name: "S1 sets the id of C1", req: req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"id":999,"email":"x@y.example"}`},
			status: 422, fields: []string{"id"}, after: client},
		{name: "S1 sets the creation date of C1", req: req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"date_created":"2000-01-01T00:00:00Z"}`},
			status: 422, fields: []string{"date_created"}, after: client},
		{name: "S1 sends a version", req: req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"version":1}`},
			status: 422, fields: []string{"version"}, after: client},
		{name: "S1 creates a client for S2", req: req{who: "S1", method: "POST", path: "/api/v1/clients",
			body: `{"first_name":"A","last_name":"B","email":"ab@x.example","sales_contact_id":{S2}}`}, status: 403, fields: []string{"sales_contact_id"}},
		{name: "S1 signs through status with a read-only signed_at", req: req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"signed_at":"2027-01-01T00:00:00Z"}`},
			status: 422, fields: []string{"signed_at"}},
		{name: "P1 reassigns E1 to P2", req: req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"support_contact_id":{P2}}`},
			status: 403, fields: []string{"support_contact_id"}},
		{name: "S1 assigns support on a new event", req: req{who: "S1", method: "POST", path: "/api/v1/events",
			body: `{"contract_id":{K1},"support_contact_id":{P1},"name":"Assigned","event_date":"2027-06-01T18:00:00Z"}`}, status: 403, fields: []string{"support_contact_id"}},
		{name: "a user's record never shows a password", req: req{who: "M", method: "GET", path: "/api/v1/users/{S1}"}, status: 200,
			contains: []string{`"username":"sally"`}, excludes: []string{"password", "hash", "argon2", "version"}},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		runScenarios(t, newEnv(t, open), scenarios)
	})
}

// TestListsStayInScope checks that every list returns exactly the records in the caller's
// read scope, whatever filter asks for others.
func TestListsStayInScope(t *testing.T) {
	t.Parallel()
	cases := []struct {
		who, path string
		want      []string
	}{
		{"M", "/api/v1/clients", []string{"C1", "C2"}},
		{"S1", "/api/v1/clients", []string{"C1"}},
		{"S2", "/api/v1/clients", []string{"C2"}},
		{"P1", "/api/v1/clients", []string{"C1"}},
		{"P2", "/api/v1/clients", nil},
		{"S2", "/api/v1/clients?sales_contact_id={S1}", nil},
		{"S2", "/api/v1/clients?q=Carla", nil},
		{"S2", "/api/v1/clients?email=acme", nil},
		{"M", "/api/v1/contracts", []string{"K1", "K2"}},
		{"S1", "/api/v1/contracts", []string{"K1", "K2"}},
		{"S2", "/api/v1/contracts", nil},
		{"S2", "/api/v1/contracts?client_id={C1}", nil},
		{"P1", "/api/v1/contracts", []string{"K1"}},
		{"P2", "/api/v1/contracts", nil},
		{"M", "/api/v1/events", []string{"E1"}},
		{"S1", "/api/v1/events", []string{"E1"}},
		{"S2", "/api/v1/events", nil},
		{"P1", "/api/v1/events", []string{"E1"}},
		{"P2", "/api/v1/events?support_contact_id={P1}", nil},
		{"M", "/api/v1/users", []string{"M", "S1", "S2", "P1", "P2"}},
		{"S1", "/api/v1/users", []string{"S1"}},
		{"P2", "/api/v1/users?role=management", nil},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for _, tc := range cases {
			t.Run(tc.who+" "+tc.path, func(t *testing.T) {
				assert.ElementsMatch(t, e.idsOf(tc.want...), e.listIDs(t, tc.who, tc.path))
			})
		}
	})
}

// idsOf returns the ids of fixtures.
func (e *env) idsOf(names ...string) []int64 {
	out := []int64{}
	for _, n := range names {
		out = append(out, e.ids[n])
	}
	return out
}

// listIDs returns the ids of every record of a list, following next_cursor to the end, in
// ascending order whatever the order of the list.
func (e *env) listIDs(t *testing.T, who, path string) []int64 {
	t.Helper()
	out := e.walkIDs(t, who, path)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// walkIDs returns the ids of every record of a list in the order the pages give them,
// following next_cursor to the end.
func (e *env) walkIDs(t *testing.T, who, path string) []int64 {
	t.Helper()
	out := []int64{}
	next := ""
	for page := 0; page < 100; page++ {
		p := path
		if next != "" {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			p += sep + "cursor=" + url.QueryEscape(next)
		}
		resp, body := e.do(t, req{who: who, method: "GET", path: p})
		require.Equal(t, 200, resp.StatusCode, "body: %s", body)
		var pg struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(body, &pg))
		for _, it := range pg.Items {
			out = append(out, it.ID)
		}
		if pg.NextCursor == nil {
			return out
		}
		next = *pg.NextCursor
	}
	t.Fatal("the list never ends")
	return nil
}
