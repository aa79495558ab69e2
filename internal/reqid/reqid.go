// Package reqid gives every HTTP request an id that ties its response to its log lines, for the
// REST API and the admin UI alike: the caller's well-formed X-Request-ID (a proxy's, say) or a
// new random one, echoed in the response.
package reqid

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
)

// Header carries the request id, in requests and responses.
const Header = "X-Request-ID"

type localKey struct{}

// Get returns the id of the request, taking a well-formed X-Request-ID from the caller or making
// one, and sets it on the response. It is safe to call more than once: later calls return the
// same id.
func Get(c *fiber.Ctx) string {
	if id, ok := c.Locals(localKey{}).(string); ok {
		return id
	}
	id := c.Get(Header)
	if !Valid(id) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	} else {
		id = string([]byte(id)) // Fiber reuses the request's buffers: keep a copy
	}
	c.Locals(localKey{}, id)
	c.Set(Header, id)
	return id
}

// Valid accepts 1 to 64 letters, digits, '.', '_' and '-', so that a caller's id can go into a
// log line or a header without escaping.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}
