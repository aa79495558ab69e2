package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostAppServesTheCRMNextToItsOwnRoutes(t *testing.T) {
	var out strings.Builder
	app, closeStore, err := newApp(context.Background(), t.TempDir(), &out)
	require.NoError(t, err)
	defer closeStore()
	assert.Contains(t, out.String(), "log in as admin")

	get := func(path string) (int, string) {
		resp, err := app.Test(httptest.NewRequest("GET", path, nil), 5000)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/hello")
	assert.Equal(t, 200, code)
	assert.Equal(t, "hello from the host program", body)
	code, _ = get("/healthz")
	assert.Equal(t, 200, code)
	code, _ = get("/api/v1/me")
	assert.Equal(t, 401, code, "the API's routes are mounted, and protected")
	code, body = get("/admin/login")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "<form")

	resp, err := app.Test(httptest.NewRequest("POST", "/api/v1/auth/login",
		strings.NewReader(`{"username":"admin","password":"Velvet-Harbor-91"}`)), 5000)
	require.NoError(t, err)
	// Without a JSON content type the API refuses the body.
	assert.Equal(t, 415, resp.StatusCode)
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"Velvet-Harbor-91"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err = app.Test(req, 5000)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
}
