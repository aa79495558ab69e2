package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostAppServesTheCRMNextToItsOwnRoutes(t *testing.T) {
	var out strings.Builder
	host, crmApp, err := newHost(context.Background(), t.TempDir(), &out)
	require.NoError(t, err)
	defer crmApp.Close()
	assert.Contains(t, out.String(), "log in as admin")

	do := func(method, path, body string) (int, string, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := host.Test(req, 5000)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	code, body, _ := do("GET", "/hello", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, "hello from the host program", body)
	code, _, _ = do("GET", "/crm/healthz", "")
	assert.Equal(t, 200, code)
	code, _, _ = do("GET", "/crm/api/v1/me", "")
	assert.Equal(t, 401, code, "the API's routes are mounted, and protected")
	code, _, loc := do("GET", "/crm/admin/", "")
	assert.Equal(t, 303, code)
	assert.Equal(t, "/crm/admin/login", loc, "the UI sends to its own login page, under the prefix")
	code, body, _ = do("GET", "/crm/admin/login", "")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `action="/crm/admin/login"`)

	code, body, _ = do("POST", "/crm/api/v1/auth/login", `{"username":"admin","password":"Velvet-Harbor-91"}`)
	require.Equal(t, 200, code, body)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &pair))
	assert.NotEmpty(t, pair.AccessToken)
}

func TestAddressFromTheEnvironment(t *testing.T) {
	t.Setenv("EPICCRM_ADDR", "127.0.0.1:9999")
	assert.Equal(t, "127.0.0.1:9999", envOr("EPICCRM_ADDR", "127.0.0.1:8090"))
	t.Setenv("EPICCRM_ADDR", "")
	assert.Equal(t, "127.0.0.1:8090", envOr("EPICCRM_ADDR", "127.0.0.1:8090"))
}
