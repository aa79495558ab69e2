package webhook_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/webhook"
	"github.com/epicevents/epiccrm/crm"
)

// TestSignMatchesTheSpecVector checks Sign against the test vector of the Standard Webhooks
// specification.
func TestSignMatchesTheSpecVector(t *testing.T) {
	secret, err := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	got := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
}

func TestPublic(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
		"224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
		"100.64.0.1", "255.255.255.255", "64:ff9b::7f00:1"} {
		assert.False(t, webhook.Public(netip.MustParseAddr(a)), "%s is not public", a)
	}
	for _, a := range []string{"93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"} {
		assert.True(t, webhook.Public(netip.MustParseAddr(a)), "%s is public", a)
	}
}

func delivery(url string) crm.WebhookDelivery {
	return crm.WebhookDelivery{MsgID: "chg_x", Timestamp: time.Now(), URL: url, Secret: []byte("k"), Payload: []byte(`{}`)}
}

func TestRefusesPrivateAddressesAtDialTime(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits++ }))
	defer srv.Close()
	s := webhook.New(webhook.Config{})
	// The loopback server, by address and by a name that resolves to loopback: the check is
	// on the resolved address, whatever the URL says.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		res := s.Send(context.Background(), delivery(u))
		require.Error(t, res.Err, u)
		assert.True(t, errors.Is(res.Err, webhook.ErrForbiddenAddress), "%s: %v", u, res.Err)
		assert.Contains(t, res.Err.Error(), "--webhook-allow-private")
	}
	assert.Zero(t, hits, "no request reached the private address")

	allowed := webhook.New(webhook.Config{AllowPrivate: true})
	res := allowed.Send(context.Background(), delivery(srv.URL))
	require.NoError(t, res.Err)
	assert.Equal(t, 200, res.Status)
}

func TestDoesNotFollowRedirects(t *testing.T) {
	target := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			target++
			return
		}
		http.Redirect(w, r, "/final", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	res := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), delivery(srv.URL+"/hook"))
	require.Error(t, res.Err)
	assert.Equal(t, http.StatusTemporaryRedirect, res.Status)
	assert.Contains(t, res.Err.Error(), "not followed")
	assert.Zero(t, target)
}

func TestBoundsAHangingReceiver(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	res := webhook.New(webhook.Config{AllowPrivate: true, Timeout: 200 * time.Millisecond}).Send(context.Background(), delivery(srv.URL))
	require.Error(t, res.Err)
	assert.Less(t, time.Since(start), 2*time.Second, "the attempt's time is bounded")
	assert.Zero(t, res.Status)
}

func TestServerErrorAndLargeResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
			return
		}
		w.WriteHeader(500)
	}))
	defer srv.Close()
	s := webhook.New(webhook.Config{AllowPrivate: true, MaxResponse: 1024})
	res := s.Send(context.Background(), delivery(srv.URL))
	require.Error(t, res.Err)
	assert.Equal(t, 500, res.Status)
	res = s.Send(context.Background(), delivery(srv.URL+"/big"))
	assert.NoError(t, res.Err, "a large 2xx body is cut off, not an error")
	assert.Equal(t, 200, res.Status)
}
