package clientip_test

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/clientip"
)

// serve starts an app with the given proxy settings on a loopback port (app.Test has no real
// peer address) and returns its base URL.
func serve(t *testing.T, trusted []string, header string) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, EnableTrustedProxyCheck: true,
		TrustedProxies: trusted, ProxyHeader: header})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(clientip.Addr(c)) })
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string, headers map[string]string) string {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestAddr(t *testing.T) {
	noProxy := serve(t, nil, "")
	assert.Equal(t, "127.0.0.1", get(t, noProxy, map[string]string{"X-Forwarded-For": "10.9.9.9"}),
		"without trusted proxies the header is ignored")

	untrusted := serve(t, []string{"192.0.2.1"}, "X-Forwarded-For")
	assert.Equal(t, "127.0.0.1", get(t, untrusted, map[string]string{"X-Forwarded-For": "10.9.9.9"}),
		"a peer that is not a trusted proxy cannot name the client")

	proxied := serve(t, []string{"127.0.0.1", "172.16.0.0/12"}, "X-Forwarded-For")
	cases := []struct{ xff, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"10.9.9.9, 203.0.113.7", "203.0.113.7"},             // a forged first entry is skipped
		{"10.9.9.9, 203.0.113.7, 172.16.5.5", "203.0.113.7"}, // through a second trusted proxy
		{"garbage, 203.0.113.7", "203.0.113.7"},              // junk left of the client is ignored
		{"203.0.113.7, garbage", "127.0.0.1"},                // a malformed hop trusts nothing beyond it
		{"", "127.0.0.1"},                                    // no header: the proxy itself
		{"172.16.0.9, 127.0.0.1", "172.16.0.9"},              // only proxies: the left-most
		{"2001:db8::1", "2001:db8::1"},                       // IPv6
	}
	for _, c := range cases {
		h := map[string]string{}
		if c.xff != "" {
			h["X-Forwarded-For"] = c.xff
		}
		assert.Equal(t, c.want, get(t, proxied, h), "X-Forwarded-For: %q", c.xff)
	}

	realIP := serve(t, []string{"127.0.0.1"}, "X-Real-IP")
	assert.Equal(t, "198.51.100.4", get(t, realIP, map[string]string{"X-Real-IP": "198.51.100.4"}))
}
