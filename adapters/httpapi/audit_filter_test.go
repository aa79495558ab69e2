package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditFiltersOverTheAPI checks the action and from/to parameters of GET /audit: they
// narrow the log, and a bad value is a 400 naming the parameter.
func TestAuditFiltersOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	resp, b := e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?action=create&from=2000-01-01T00:00:00Z&limit=100"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", b)
	var page struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(b, &page))
	require.NotEmpty(t, page.Items)
	for _, it := range page.Items {
		assert.Equal(t, "create", it.Action)
	}
	resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?to=2000-01-01T00:00:00Z"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", b)
	assert.Contains(t, string(b), `"items":[]`, "nothing was changed before 2000")

	for _, tc := range []struct{ query, field string }{
		{"action=erase", "action"},
		{"from=yesterday", "from"},
		{"from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", "to"},
	} {
		resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?" + tc.query})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", tc.query, b)
		assert.Equal(t, []string{tc.field}, problemFields(t, b), tc.query)
	}
}
