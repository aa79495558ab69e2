package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestFieldErrorCodes checks that each field of a refused request names the rule it broke by a
// stable code, while the detail and messages stay English, and that the OpenAPI document lists
// every code.
func TestFieldErrorCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	codes := func(t *testing.T, r req, status int) map[string]crm.FieldCode {
		t.Helper()
		resp, body := e.do(t, r)
		require.Equal(t, status, resp.StatusCode, "body: %s", body)
		p := decodeProblem(t, resp, body)
		out := map[string]crm.FieldCode{}
		for _, f := range p.Errors {
			assert.NotEmpty(t, f.Message, "field %s has an English message", f.Field)
			out[f.Field] = f.Code
		}
		return out
	}
	name := strings.Repeat("a", 200)
	for _, tc := range []struct {
		name   string
		r      req
		status int
		want   map[string]crm.FieldCode
	}{
		{"missing and malformed client fields", req{who: "S1", method: "POST", path: "/api/v1/clients",
			body: `{"first_name": "", "last_name": "` + name + `", "email": "not-an-email", "phone": "call me"}`}, 422,
			map[string]crm.FieldCode{"first_name": crm.FieldRequired, "last_name": crm.FieldTooLong,
				"email": crm.FieldInvalidEmail, "phone": crm.FieldInvalidPhone}},
		{"a reference to nothing", req{who: "S1", method: "POST", path: "/api/v1/contracts",
			body: `{"client_id": 999999, "amount": "10.00"}`}, 422,
			map[string]crm.FieldCode{"client_id": crm.FieldNotFoundReference}},
		{"a bad choice and a range", req{who: "M", method: "POST", path: "/api/v1/users",
			body: `{"username": "newbie", "email": "newbie@example.com", "role": "boss", "password": "Lantern-Harbour-Violet-42"}`}, 422,
			map[string]crm.FieldCode{"role": crm.FieldInvalidChoice}},
		{"an unknown body field", req{who: "S1", method: "POST", path: "/api/v1/clients",
			body: `{"first_name": "A", "last_name": "B", "email": "a@example.com", "colour": "red"}`}, 422,
			map[string]crm.FieldCode{"colour": crm.FieldUnknown}},
		{"an unknown query parameter", req{who: "S1", method: "GET", path: "/api/v1/clients?colour=red"}, 400,
			map[string]crm.FieldCode{"colour": crm.FieldUnknown}},
		{"a bad sort", req{who: "S1", method: "GET", path: "/api/v1/clients?sort=colour"}, 400,
			map[string]crm.FieldCode{"sort": crm.FieldInvalidSort}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(t, tc.r, tc.status)
			for field, code := range tc.want {
				assert.Equal(t, code, got[field], "code of %s in %v", field, got)
			}
		})
	}

	doc, _ := e.fetchOpenAPI(t)
	s, ok := doc.Components.Schemas["FieldErrorCode"]
	require.True(t, ok, "the document has a FieldErrorCode schema")
	for _, c := range crm.FieldCodes {
		assert.True(t, slices.Contains(s.Enum, string(c)), "FieldErrorCode lists %s", c)
	}
	problem := doc.Components.Schemas["Problem"]
	item := problem.Properties["errors"].Items
	require.NotNil(t, item)
	assert.Contains(t, item.Required, "code")
}
