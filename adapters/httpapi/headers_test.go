package httpapi_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
)

// TestSecurityHeaders checks the headers of every kind of response: data, errors, the docs
// page, the metrics; and that no CORS header is ever sent, whatever the Origin.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	cases := []struct {
		name string
		r    req
		csp  string
	}{
		{"a record", req{who: "S1", method: "GET", path: "/api/v1/clients/{C1}"}, "default-src 'none'"},
		{"a list", req{who: "S1", method: "GET", path: "/api/v1/clients"}, "default-src 'none'"},
		{"a login", req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"sally","password":"` + testPassword + `"}`}, "default-src 'none'"},
		{"a 401", req{method: "GET", path: "/api/v1/me"}, "default-src 'none'"},
		{"a 404", req{who: "S2", method: "GET", path: "/api/v1/clients/{C1}"}, "default-src 'none'"},
		{"an unknown path", req{method: "GET", path: "/nowhere"}, "default-src 'none'"},
		{"a preflight", req{method: "OPTIONS", path: "/api/v1/clients", header: map[string]string{
			"Access-Control-Request-Method": "DELETE"}}, "default-src 'none'"},
		{"the docs page", req{method: "GET", path: "/api/docs"}, "style-src 'sha256-"},
		{"the metrics", req{method: "GET", path: "/metrics"}, "default-src 'none'"},
		{"the JWKS", req{method: "GET", path: "/.well-known/jwks.json"}, "default-src 'none'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.header == nil {
				tc.r.header = map[string]string{}
			}
			tc.r.header["Origin"] = "https://evil.example"
			resp, body := e.do(t, tc.r)
			h := resp.Header
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Contains(t, h.Get("Content-Security-Policy"), tc.csp)
			assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
			assert.NotContains(t, h.Get("Content-Security-Policy"), "unsafe-inline")
			assert.Empty(t, h.Get("Server"))
			assert.NotEmpty(t, h.Get("X-Request-ID"))
			for k := range h {
				assert.False(t, strings.HasPrefix(k, "Access-Control-"), "CORS header %s sent: %s", k, body)
			}
			if tc.r.who != "" || resp.StatusCode >= 400 || strings.Contains(tc.r.path, "login") {
				assert.Equal(t, "no-store", h.Get("Cache-Control"))
			}
		})
	}
}

// TestRequestIDAndAccessLog checks that each response carries a request id (the caller's when
// it is well-formed) and that each request leaves one access log line with it, the route
// template and the status, and no secret.
func TestRequestIDAndAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	cases := []struct {
		sent string
		kept bool
	}{
		{"", false},
		{"abc-123_DEF.4", true},
		{"with space", false},
		{strings.Repeat("a", 65), false},
		{`"quoted"`, false},
		{"new\nline", false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.sent, func(t *testing.T) {
			h := map[string]string{}
			if tc.sent != "" && !strings.Contains(tc.sent, "\n") {
				h["X-Request-ID"] = tc.sent
			}
			resp, _ := e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/{C1}", header: h})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			id := resp.Header.Get("X-Request-ID")
			assert.Regexp(t, `^[A-Za-z0-9._-]{1,64}$`, id)
			if tc.kept {
				assert.Equal(t, tc.sent, id)
			}
			assert.False(t, seen[id], "request id %s reused", id)
			seen[id] = true

			var line map[string]any
			for _, l := range logLines(t, e.logs) {
				if l["request_id"] == id && l["msg"] == "request" {
					line = l
				}
			}
			require.NotNil(t, line, "no access log line for %s:\n%s", id, e.logs.String())
			assert.Equal(t, "GET", line["method"])
			assert.Equal(t, "/api/v1/clients/:id", line["route"])
			assert.Equal(t, float64(200), line["status"])
			assert.Contains(t, line, "duration_ms")
			assert.Equal(t, float64(e.ids["S1"]), line["user_id"])
		})
	}
	t.Run("no secret in the log", func(t *testing.T) {
		logs := e.logs.String()
		for _, tok := range e.access {
			assert.NotContains(t, logs, tok)
		}
		assert.NotContains(t, logs, "Authorization")
		assert.NotContains(t, logs, testPassword)
	})
}

// TestClientAddress checks that a forged X-Forwarded-For is ignored unless the peer is a
// trusted proxy, as seen in the access log's ip.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		proxies []string
		xff     string
		want    string
	}{
		{"no trusted proxy", nil, "203.0.113.9", "0.0.0.0"},
		{"an untrusted peer", []string{"10.0.0.1"}, "203.0.113.9", "0.0.0.0"},
		{"a trusted proxy", []string{"0.0.0.0"}, "203.0.113.9", "203.0.113.9"},
		{"a forged first entry before the proxy's own", []string{"0.0.0.0"}, "10.9.9.9, 203.0.113.9", "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storeKinds[0], func(o *envOptions) {
				o.cfg.TrustedProxies = tc.proxies
				o.noFixture = true
			})
			resp, _ := e.do(t, req{method: "GET", path: "/healthz", header: map[string]string{"X-Forwarded-For": tc.xff}})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			lines := logLines(t, e.logs)
			require.NotEmpty(t, lines)
			assert.Equal(t, tc.want, lines[len(lines)-1]["ip"])
		})
	}
}

// serve runs the app on a real listener, for the limits that only the server enforces.
func serve(t *testing.T, e *env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// rawRequest writes a request on a new connection as bytes, ignoring a write the server cuts
// short, and reads the answer.
func rawRequest(t *testing.T, base, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	go func() { _, _ = conn.Write([]byte(raw)) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestServerLimits checks the body and header limits on a real connection: 413 and 431 as
// problem documents, never a 500, and nothing written.
func TestServerLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	base := serve(t, e)
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(t *testing.T, method, path string, body []byte, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		r, err := http.NewRequest(method, base+e.expand(path), bytes.NewReader(body))
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+e.access["M"])
		for k, v := range header {
			r.Header.Set(k, v)
		}
		resp, err := client.Do(r)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp, b
	}

	t.Run("a body just under the default limit is read", func(t *testing.T) {
		body := []byte(`{"notes":"` + strings.Repeat("x", httpapi.DefaultBodyLimit-100) + `"}`)
		resp, b := send(t, "PATCH", "/api/v1/events/{E1}", body, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "the domain, not the server, refuses long notes: %.200s", b)
	})
	for _, path := range []string{"/api/v1/clients", "/api/v1/auth/login", "/api/v1/events/{E1}"} {
		t.Run("an oversized body to "+path, func(t *testing.T) {
			before := e.lastAuditID(t)
			method := "POST"
			if strings.Contains(path, "{") {
				method = "PATCH"
			}
			// The server refuses on Content-Length, before reading the body: none is sent, so
			// that closing the connection does not reset it under the answer.
			resp, b := rawRequest(t, base, method+" "+e.expand(path)+" HTTP/1.1\r\nHost: x\r\n"+
				"Authorization: Bearer "+e.access["M"]+"\r\nContent-Type: application/json\r\n"+
				"Content-Length: "+itoa(httpapi.DefaultBodyLimit+1)+"\r\n\r\n")
			require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%.200s", b)
			decodeProblem(t, resp, b)
			assert.Equal(t, before, e.lastAuditID(t))
		})
	}
	t.Run("oversized headers", func(t *testing.T) {
		for _, size := range []int{8 << 10, 64 << 10} {
			resp, b := rawRequest(t, base, "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+strings.Repeat("A", size)+"\r\n\r\n")
			require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode, "%.200s", b)
			decodeProblem(t, resp, b)
		}
	})
	t.Run("normal requests still work", func(t *testing.T) {
		resp, b := send(t, "GET", "/api/v1/me", nil, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	})
}
