package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// callers are the rows of the permission matrix: the fixture users and an anonymous caller.
var callers = []string{"M", "S1", "S2", "P1", "P2", "anon"}

// want is the status each caller gets, in the order of callers.
type want [6]int

// matrixRow is one endpoint called by every caller.
type matrixRow struct {
	method, path, body string
	want               want
}

// TestPermissionMatrix calls every endpoint as every role, on the fixture of the test plan, and
// checks the status of each call under the default policy; a refused write must leave the
// store untouched. Paths and bodies name fixtures as {C1}; {new:kind} is a record made afresh
// for each call (a sales user's client, contract and event, the event assigned to P1), and
// {uniq} a fresh name.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	rows := []matrixRow{
		{"GET", "/api/v1/me", "", want{200, 200, 200, 200, 200, 401}},
		{"POST", "/api/v1/me/password", `{"current_password":"not-my-password","new_password":"Another-Secret-77"}`,
			want{422, 422, 422, 422, 422, 401}},
		{"POST", "/api/v1/auth/logout", `{"refresh_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`,
			want{204, 204, 204, 204, 204, 401}},
		{"GET", "/api/v1/audit", "", want{200, 403, 403, 403, 403, 401}},

		{"GET", "/api/v1/users", "", want{200, 200, 200, 200, 200, 401}},
		{"POST", "/api/v1/users", `{"username":"{uniq}","email":"{uniq}@epic.example","role":"sales","password":"Tangerine-Orbit-42"}`,
			want{201, 403, 403, 403, 403, 401}},
		{"GET", "/api/v1/users/{S1}", "", want{200, 200, 404, 404, 404, 401}},
		{"PUT", "/api/v1/users/{P1}", `{"username":"pat","email":"pat@epic.example","first_name":"Pat","last_name":"Tester","role":"support","is_active":true}`,
			want{200, 404, 404, 200, 404, 401}},
		{"PATCH", "/api/v1/users/{S1}", `{"last_name":"Tester"}`, want{200, 200, 404, 404, 404, 401}},
		{"DELETE", "/api/v1/users/{new:user}", "", want{204, 404, 404, 404, 404, 401}},

		{"GET", "/api/v1/clients", "", want{200, 200, 200, 200, 200, 401}},
		{"POST", "/api/v1/clients", `{"first_name":"New","last_name":"Client","email":"{uniq}@new.example"}`,
			want{201, 201, 201, 403, 403, 401}},
		{"GET", "/api/v1/clients/{C1}", "", want{200, 200, 404, 200, 404, 401}},
		{"PUT", "/api/v1/clients/{C1}", `{"first_name":"Carla","last_name":"Client","email":"carla@acme.example","phone":"","mobile":"","company":"Acme Corp","status":"existing","sales_contact_id":{S1}}`,
			want{200, 200, 404, 403, 404, 401}},
		{"PATCH", "/api/v1/clients/{C1}", `{"company":"Acme Corp"}`, want{200, 200, 404, 403, 404, 401}},
		{"DELETE", "/api/v1/clients/{new:client}", "", want{204, 403, 404, 404, 404, 401}},

		{"GET", "/api/v1/contracts", "", want{200, 200, 200, 200, 200, 401}},
		{"POST", "/api/v1/contracts", `{"client_id":{C1},"amount":"100.00"}`, want{201, 201, 422, 403, 403, 401}},
		{"GET", "/api/v1/contracts/{K1}", "", want{200, 200, 404, 200, 404, 401}},
		{"PUT", "/api/v1/contracts/{K2}", `{"sales_contact_id":{S1},"amount":"800.00","amount_due":"800.00","payment_due":null,"status":"open"}`,
			want{200, 200, 404, 404, 404, 401}},
		{"PATCH", "/api/v1/contracts/{K1}", `{"amount_due":"1500.00"}`, want{200, 200, 404, 403, 404, 401}},
		{"DELETE", "/api/v1/contracts/{new:contract}", "", want{204, 403, 404, 404, 404, 401}},
		{"POST", "/api/v1/contracts/{new:contract}/sign", "", want{200, 200, 404, 404, 404, 401}},

		{"GET", "/api/v1/events", "", want{200, 200, 200, 200, 200, 401}},
		{"POST", "/api/v1/events", `{"contract_id":{K1},"name":"Gala","event_date":"2027-07-01T19:00:00Z"}`,
			want{201, 201, 422, 403, 403, 401}},
		{"GET", "/api/v1/events/{E1}", "", want{200, 200, 404, 200, 404, 401}},
		{"PUT", "/api/v1/events/{E1}", `{"name":"Launch party","support_contact_id":{P1},"event_date":"2027-06-01T18:00:00Z","end_date":null,"location":"Paris","attendees":0,"notes":"","status":"open"}`,
			want{200, 403, 404, 200, 404, 401}},
		{"PATCH", "/api/v1/events/{E1}", `{"notes":"bring badges"}`, want{200, 403, 404, 200, 404, 401}},
		{"DELETE", "/api/v1/events/{new:event}", "", want{204, 403, 404, 403, 404, 401}},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for _, row := range rows {
			for i, who := range callers {
				name := strings.Join([]string{row.method, row.path, who}, " ")
				t.Run(name, func(t *testing.T) {
					e.checkCell(t, row, who, row.want[i])
				})
			}
		}
	})
}

// checkCell makes one call of the matrix and checks its status, its body's shape and, for a
// refused write, that nothing was written.
func (e *env) checkCell(t *testing.T, row matrixRow, who string, status int) {
	t.Helper()
	path, body := e.fresh(t, row.path), e.fresh(t, row.body)
	if who == "anon" {
		who = ""
	}
	before := e.lastAuditID(t)
	resp, b := e.do(t, req{who: who, method: row.method, path: path, body: body})
	require.Equal(t, status, resp.StatusCode, "body: %s", b)
	switch {
	case status >= 400:
		p := decodeProblem(t, resp, b)
		assert.NotEmpty(t, p.Detail)
		if row.method != http.MethodGet {
			assert.Equal(t, before, e.lastAuditID(t), "a refused write changed the store")
		}
		if status == http.StatusUnauthorized {
			assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
		}
	case status == http.StatusNoContent:
		assert.Empty(t, b)
	default:
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		var v map[string]any
		require.NoError(t, json.Unmarshal(b, &v), "body: %s", b)
		if _, isList := v["items"]; !isList {
			assert.Regexp(t, `^"[1-9][0-9]*"$`, resp.Header.Get("ETag"))
			assert.NotZero(t, v["id"])
		}
		if status == http.StatusCreated {
			assert.Equal(t, e.prefix+e.expand(path)+"/"+itoa(int64(v["id"].(float64))), resp.Header.Get("Location"))
		}
	}
}

// fresh replaces the {new:kind} and {uniq} placeholders of s by records and names made now.
func (e *env) fresh(t *testing.T, s string) string {
	t.Helper()
	for strings.Contains(s, "{uniq}") {
		name := freshName("u")
		s = strings.ReplaceAll(s, "{uniq}", name)
	}
	if strings.Contains(s, "{new:user}") {
		s = strings.ReplaceAll(s, "{new:user}", itoa(e.createUser(t, freshName("gone"), crm.RoleSales).ID))
	}
	if strings.Contains(s, "{new:client}") {
		s = strings.ReplaceAll(s, "{new:client}", itoa(e.createClient(t, "S1", freshName("c")+"@fresh.example")))
	}
	if strings.Contains(s, "{new:contract}") {
		s = strings.ReplaceAll(s, "{new:contract}", itoa(e.createContract(t, "S1", e.ids["C1"], "50.00")))
	}
	if strings.Contains(s, "{new:event}") {
		id := e.createEvent(t, "S1", e.ids["K1"], "Fresh event")
		_, err := e.svc.AssignSupport(e.as("M"), id, crm.Ptr(e.ids["P1"]), 0)
		require.NoError(t, err)
		s = strings.ReplaceAll(s, "{new:event}", itoa(id))
	}
	return s
}
