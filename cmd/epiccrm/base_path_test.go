package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// TestServeUnderABasePath serves behind a would-be reverse proxy that forwards /crm/...
// unchanged: every address the server hands out starts with /crm.
func TestServeUnderABasePath(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(k string) string {
		return map[string]string{"EPICCRM_ADDR": addr, "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem"),
			"EPICCRM_BASE_PATH": "/crm/"}[k]
	}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--database-url", "sqlite:" + filepath.Join(dir, "crm.db")}, e)
	}()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		resp, err := client.Get("http://" + addr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/crm/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "the server did not come up under /crm: %s", errOut.String())
	assert.Contains(t, out.String(), "/crm/admin/")
	assert.Contains(t, out.String(), "Log in at /crm/admin/login", "the first account's message names the login page under the prefix")

	for path, want := range map[string]string{"/": "/crm/admin/", "/crm": "/crm/admin/", "/crm/admin": "/crm/admin/",
		"/crm/admin/": "/crm/admin/login"} {
		resp, _ := get(path)
		assert.Equal(t, want, resp.Header.Get("Location"), path)
	}
	resp, body := get("/crm/api/openapi.json")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		Servers []struct{ URL string } `json:"servers"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	assert.Equal(t, "/crm", doc.Servers[0].URL)
	resp, _ = get("/healthz")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "nothing is served outside the base path")
	resp, body = get("/crm/api/v1/nope")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), body)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
}

func TestServeRefusesABadBasePath(t *testing.T) {
	r := runCmd(t, context.Background(), "", map[string]string{"EPICCRM_KEY_FILE": filepath.Join(t.TempDir(), "k.pem")},
		"serve", "--base-path", "crm", "--database-url", sqliteURL(t))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--base-path \"crm\" must start with a slash")
}
