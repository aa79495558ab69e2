package httpapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMethodOverrideHeadersAreIgnored checks that no header turns a request into another
// method (security test plan, case 9): a POST or GET that asks to be a DELETE stays what it is,
// so the record survives, even for a manager who may delete it.
func TestMethodOverrideHeadersAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	overrides := []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}
	for _, h := range overrides {
		resp, body := e.do(t, req{who: "M", method: "POST", path: "/api/v1/clients/{C1}", header: map[string]string{h: "DELETE"}})
		assert.Equal(t, 405, resp.StatusCode, "POST with %s: DELETE: %s", h, body)
		resp, body = e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients/{C1}", header: map[string]string{h: "DELETE"}})
		assert.Equal(t, 200, resp.StatusCode, "GET with %s: DELETE: %s", h, body)
		resp, body = e.do(t, req{who: "S1", method: "POST", path: "/api/v1/users", header: map[string]string{h: "GET"},
			body: `{"username":"sneak","email":"sneak@x.example","role":"management","password":"Tangerine-Orbit-42"}`})
		assert.Equal(t, 403, resp.StatusCode, "a sales user's POST /users with %s: GET: %s", h, body)
	}
	resp, _ := e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients/{C1}"})
	assert.Equal(t, 200, resp.StatusCode, "the client is still there")
}
