package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// problemFields returns the fields a problem+json body names.
func problemFields(t *testing.T, body []byte) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(body, &p), "body: %s", body)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// TestIdentityOverTheAPI checks SPEC section 9's identity rules end to end, on both stores: a
// sales user cannot probe for taken usernames or emails (403 naming the field, taken or not),
// Unicode variants and look-alikes of a username or email are duplicates (409 naming the
// field), invisible format characters are refused (422 naming the field), and the audit log
// shows each actor as they were.
func TestIdentityOverTheAPI(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(testing.TB) testStore) {
		e := newEnv(t, open)
		for _, body := range []string{`{"username":"manager"}`, `{"username":"nobody-has-this"}`} {
			resp, b := e.do(t, req{who: "S1", method: "PATCH", path: "/api/v1/users/{S1}", body: body})
			require.Equal(t, http.StatusForbidden, resp.StatusCode, "body: %s", b)
			assert.Equal(t, []string{"username"}, problemFields(t, b))
			assert.NotContains(t, string(b), "taken")
		}
		resp, b := e.do(t, req{who: "S1", method: "PATCH", path: "/api/v1/users/{S1}", body: `{"email":"manager@epic.example"}`})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "body: %s", b)
		assert.Equal(t, []string{"email"}, problemFields(t, b))

		for _, tc := range []struct{ body, field string }{
			{`{"username":"\u0455am","email":"a@x.test","role":"sales","password":"Another-Secret-77"}`, "username"},
			{`{"username":"ｓａｍ","email":"b@x.test","role":"sales","password":"Another-Secret-77"}`, "username"},
			{`{"username":"SAM","email":"c@x.test","role":"sales","password":"Another-Secret-77"}`, "username"},
			{`{"username":"newbie","email":"ｓam@epic.example","role":"sales","password":"Another-Secret-77"}`, "email"},
		} {
			resp, b := e.do(t, req{who: "M", method: "POST", path: "/api/v1/users", body: tc.body})
			require.Equal(t, http.StatusConflict, resp.StatusCode, "%s: %s", tc.body, b)
			assert.Equal(t, []string{tc.field}, problemFields(t, b), tc.body)
		}
		resp, b = e.do(t, req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"jose\u0301","email":"jose\u0301@x.test","role":"sales","password":"Another-Secret-77"}`})
		require.Equal(t, http.StatusCreated, resp.StatusCode, "body: %s", b)
		resp, b = e.do(t, req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"jos\u00e9","email":"jos\u00e9@x.test","role":"sales","password":"Another-Secret-77"}`})
		require.Equal(t, http.StatusConflict, resp.StatusCode, "NFC after NFD: %s", b)
		resp, b = e.do(t, req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username":"ann\u202e","email":"ann@x.test","role":"sales","password":"Another-Secret-77"}`})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "body: %s", b)
		assert.Equal(t, []string{"username"}, problemFields(t, b))

		resp, b = e.do(t, req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"name":"Launch \u202eparty"}`})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "body: %s", b)
		assert.Equal(t, []string{"name"}, problemFields(t, b))

		resp, b = e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/{S1}",
			body: `{"username":"ada.m","first_name":"Ada","last_name":"Moreau"}`})
		require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", b)
		resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?resource=contract&resource_id={K1}&sort=id"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", b)
		var page struct {
			Items []struct {
				ActorID       int64  `json:"actor_id"`
				ActorUsername string `json:"actor_username"`
				ActorName     string `json:"actor_name"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(b, &page))
		require.NotEmpty(t, page.Items)
		for _, it := range page.Items {
			assert.Equal(t, e.ids["S1"], it.ActorID)
			assert.Equal(t, "sally", it.ActorUsername, "the entry keeps the username of the time")
			assert.Equal(t, "Sally Tester", it.ActorName, "the entry keeps the name of the time")
		}
	})
}
