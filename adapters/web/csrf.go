package web

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"
)

// csrfField is the name of the hidden form field that carries the CSRF token.
const csrfField = "_csrf"

// validCSRF reports whether the token a form sent equals the expected one, in constant time.
// An empty or malformed token never matches.
func validCSRF(sent, want string) bool {
	if !wellFormed(sent) || !wellFormed(want) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(want)) == 1
}

// loginCSRF returns the token of the login form: the one in the browser's login CSRF cookie when
// it has a valid one (so that several tabs keep working), or a new one set in that cookie.
func (ui *UI) loginCSRF(c *fiber.Ctx) string {
	if t := c.Cookies(loginCSRFCookie); wellFormed(t) {
		return string([]byte(t))
	}
	t := newToken()
	ui.setCookie(c, loginCSRFCookie, t, 0, fiber.CookieSameSiteStrictMode)
	return t
}

// postValue returns the value of a field of a url-encoded form body. Unlike Fiber's FormValue it
// never reads the query string, so a link cannot smuggle a field into a form.
func postValue(c *fiber.Ctx, key string) string {
	if v := c.Request().PostArgs().Peek(key); v != nil {
		return string(v)
	}
	// A file upload (the import page) is a multipart form.
	if f, err := c.MultipartForm(); err == nil && len(f.Value[key]) > 0 {
		return f.Value[key][0]
	}
	return ""
}

// postValues returns every value of a form field, in order.
func postValues(c *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}

// posted reports whether the form body has the field at all.
func posted(c *fiber.Ctx, key string) bool {
	return c.Request().PostArgs().Has(key)
}
