// Package clientip tells the address of the client behind an HTTP request, for login throttling
// and the logs, without letting the client choose it.
//
// Fiber's c.IP() takes the first address of X-Forwarded-For when the peer is a trusted proxy.
// Proxies append the address they see to that header, so its first entry is whatever the client
// sent: a client could rotate it to dodge the per-address login limit. Addr walks the header
// from the right instead, skipping the app's trusted proxies, and returns the first address no
// trusted proxy vouches for having forwarded.
package clientip

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Addr returns the client's address: the peer's, or when the peer is one of the app's trusted
// proxies (fiber.Config.TrustedProxies), the right-most address of the proxy header that is not
// itself a trusted proxy. A header that is missing or malformed leaves the peer's address.
func Addr(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	cfg := c.App().Config()
	if cfg.ProxyHeader == "" || len(cfg.TrustedProxies) == 0 {
		return peer.String()
	}
	trusted := parseTrusted(cfg.TrustedProxies)
	if !trusted.contains(peer) {
		return peer.String()
	}
	values := c.Request().Header.PeekAll(cfg.ProxyHeader)
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(string(v), ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break // a malformed hop: trust nothing to its left
		}
		client = ip
		if !trusted.contains(ip) {
			break
		}
	}
	return client.String()
}

// nets is a set of addresses and ranges.
type nets []*net.IPNet

// parseTrusted reads fiber's TrustedProxies: addresses and CIDR ranges (others are ignored).
func parseTrusted(list []string) nets {
	var out nets
	for _, s := range list {
		s = strings.TrimSpace(s)
		if _, n, err := net.ParseCIDR(s); err == nil {
			out = append(out, n)
			continue
		}
		if ip := net.ParseIP(s); ip != nil {
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		}
	}
	return out
}

func (ns nets) contains(ip net.IP) bool {
	for _, n := range ns {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
