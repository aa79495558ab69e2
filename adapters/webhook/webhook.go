// Package webhook sends the CRM's webhook messages over HTTP, signed as the Standard Webhooks
// specification says (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp
// and webhook-signature, "v1," and the base64 HMAC-SHA256 of "id.timestamp.body".
//
// A Sender is safe to point at URLs that management types in: it refuses to connect to private,
// loopback, link-local (cloud metadata at 169.254.169.254 included), unspecified, multicast and
// other non-public addresses, checked on the resolved address at dial time (so that a DNS
// answer that changes between a check and the connection cannot bypass it), uses no proxy,
// follows no redirect, bounds the connection and the whole attempt in time, and reads at most
// MaxResponse bytes of the response.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// Config sets a Sender's limits. Zero fields take their defaults.
type Config struct {
	// AllowPrivate lets the Sender connect to non-public addresses (loopback, private
	// networks, link-local...): for tests and for receivers on the operator's own network.
	AllowPrivate bool
	// ConnectTimeout bounds the connection (TCP and TLS handshakes): 5 s when 0.
	ConnectTimeout time.Duration
	// Timeout bounds the whole attempt, reading the response included: 15 s when 0.
	Timeout time.Duration
	// MaxResponse is how much of a response body is read (the rest is dropped): 64 KiB when 0.
	MaxResponse int64
	// UserAgent is the User-Agent header: "EpicCRM-Webhooks/1" when empty.
	UserAgent string
}

// Sender delivers messages. It implements crm.WebhookSender and is safe for concurrent use.
type Sender struct {
	cfg    Config
	client *http.Client
}

var _ crm.WebhookSender = (*Sender)(nil)

// ErrForbiddenAddress is the error (tested with errors.Is) of an attempt refused because the
// URL's host resolves to a non-public address.
var ErrForbiddenAddress = errors.New("the webhook URL resolves to a private, loopback, link-local or otherwise non-public address")

// New returns a Sender with cfg's limits.
func New(cfg Config) *Sender {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = 64 << 10
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "EpicCRM-Webhooks/1"
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would connect for us, past the address check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Sender{cfg: cfg, client: &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Timeout returns the Sender's bound on one attempt.
func (s *Sender) Timeout() time.Duration { return s.cfg.Timeout }

// refusePrivate is the dialer's Control function: it runs on the resolved address of every
// connection, just before connecting.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrForbiddenAddress, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w (%s)", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// nonPublic lists the special-purpose ranges that netip's predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast included
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// Public reports whether a webhook may be delivered to addr: not loopback, private, link-local,
// unspecified, multicast or another special-purpose range. An IPv4-mapped IPv6 address is
// judged as its IPv4 address.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// Sign returns the webhook-signature header of a message: "v1," and the base64 HMAC-SHA256,
// keyed with secret, of "id.timestamp.body" (timestamp in Unix seconds).
func Sign(secret []byte, id string, timestamp time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Send makes one attempt to deliver d. A 2xx response is a delivery; any other status (a
// redirect included: none is followed), a refused address, a timeout or a network error is a
// failure, which the result's Err describes.
func (s *Sender) Send(ctx context.Context, d crm.WebhookDelivery) crm.WebhookResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return crm.WebhookResult{Err: fmt.Errorf("invalid webhook URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set("webhook-id", d.MsgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(d.Timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(d.Secret, d.MsgID, d.Timestamp, d.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			return crm.WebhookResult{Err: fmt.Errorf("%w: refused (the operator may allow it with --webhook-allow-private)", ErrForbiddenAddress)}
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return crm.WebhookResult{Err: fmt.Errorf("no response within %s: %w", s.cfg.Timeout, err)}
		}
		return crm.WebhookResult{Err: err}
	}
	defer resp.Body.Close()
	_, readErr := io.Copy(io.Discard, io.LimitReader(resp.Body, s.cfg.MaxResponse))
	res := crm.WebhookResult{Status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Err = fmt.Errorf("redirect (%d) to %q not followed: point the webhook at the final URL", resp.StatusCode, resp.Header.Get("Location"))
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		res.Err = fmt.Errorf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	case readErr != nil:
		res.Err = fmt.Errorf("reading the response: %w", readErr)
	}
	return res
}
