package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// Cookie names. The session cookie holds the session id; the login CSRF cookie the token of the
// login form (double submit); the flash cookie the code of a message for the next page.
const (
	sessionCookie   = "epiccrm_session"
	loginCSRFCookie = "epiccrm_login_csrf"
	flashCookie     = "epiccrm_flash"
)

// tokenBytes is the entropy of session ids and CSRF tokens: 256 bits.
const tokenBytes = 32

// touchEvery is how stale a session's last-seen time may get before a request records activity:
// it saves a database write on most requests, at the cost of ending idle sessions up to a
// minute early.
const touchEvery = time.Minute

// newToken returns a random 256-bit token, base64url-encoded (43 characters).
func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails: it aborts the program instead.
	return base64.RawURLEncoding.EncodeToString(b)
}

// wellFormed reports whether s looks like a token of newToken, so that junk sent by a client
// never reaches the database.
func wellFormed(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// hashID returns the SHA-256 of a session id: the only form in which the server keeps it, so
// that a copy of the database does not hand out live sessions.
func hashID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// secure reports whether cookies must be Secure on this request.
func (ui *UI) secure(c *fiber.Ctx) bool { return ui.cfg.Secure || c.Protocol() == "https" }

// setCookie sets an HttpOnly cookie scoped to the UI. maxAge 0 makes it a browser-session
// cookie; a negative maxAge deletes it.
func (ui *UI) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration, sameSite string) {
	ck := &fiber.Cookie{
		Name: name, Value: value, Path: ui.root, HTTPOnly: true, Secure: ui.secure(c), SameSite: sameSite,
	}
	switch {
	case maxAge < 0:
		ck.Value = ""
		ck.MaxAge = -1
		ck.Expires = time.Unix(0, 0)
	case maxAge == 0:
		ck.SessionOnly = true
	default:
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.Cookie(ck)
}

// authenticate returns the request of the logged-in user, or nil for an anonymous one: no
// cookie, an unknown or ended session, or a user who was deactivated or whose password or role
// changed since the login (the session is then deleted). It records activity on the session.
func (ui *UI) authenticate(c *fiber.Ctx) (*request, error) {
	id := c.Cookies(sessionCookie)
	if id == "" {
		return nil, nil
	}
	if !wellFormed(id) {
		ui.setCookie(c, sessionCookie, "", -1, fiber.CookieSameSiteLaxMode)
		return nil, nil
	}
	ctx := c.UserContext()
	hash := hashID(id)
	s, err := ui.sessions.FindSession(ctx, hash)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		ui.endSession(c, nil, "")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := ui.now()
	if now.Sub(s.LastSeen) > ui.cfg.IdleTimeout || now.Sub(s.CreatedAt) > ui.cfg.AbsoluteTimeout {
		ui.endSession(c, hash, "session-expired")
		return nil, nil
	}
	u, err := ui.svc.Actor(ctx, s.UserID, s.AuthVersion)
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
		ui.endSession(c, hash, "session-ended")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := ui.sessions.TouchSession(ctx, hash, now); err != nil {
			return nil, err
		}
	}
	if ui.cfg.Preferences != nil {
		p, err := ui.cfg.Preferences.FindPreferences(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		setLocale(c, ui.userLocale(c, p))
	}
	ctx = crm.NewContext(ctx, u)
	return &request{c: c, ctx: ctx, actor: u, session: s, perms: ui.svc.Permissions(ctx), svc: ui.svc}, nil
}

// startSession creates a session for u under a new random id and sets its cookie. Whatever
// session id the client sent is deleted, never adopted, so a fixed id cannot be planted.
func (ui *UI) startSession(c *fiber.Ctx, u *crm.User) error {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); wellFormed(old) {
		if err := ui.sessions.DeleteSession(ctx, hashID(old)); err != nil {
			return err
		}
	}
	now := ui.now()
	// Sweep sessions idle for longer than the timeout, so the table does not grow forever.
	if err := ui.sessions.DeleteSessionsBefore(ctx, now.Add(-ui.cfg.IdleTimeout)); err != nil {
		return err
	}
	id := newToken()
	s := &crm.Session{
		IDHash: hashID(id), UserID: u.ID, AuthVersion: u.AuthVersion, CSRFToken: newToken(),
		CreatedAt: now, LastSeen: now,
	}
	if err := ui.sessions.CreateSession(ctx, s); err != nil {
		return err
	}
	ui.setCookie(c, sessionCookie, id, ui.cfg.AbsoluteTimeout, fiber.CookieSameSiteLaxMode)
	return nil
}

// endSession deletes the session with hash (if any), clears the cookie and leaves a flash
// message for the login page (none when flash is "").
func (ui *UI) endSession(c *fiber.Ctx, hash []byte, flash string) {
	if hash != nil {
		if err := ui.sessions.DeleteSession(c.UserContext(), hash); err != nil {
			ui.log.Error("admin UI: cannot delete a session", "err", err, "request_id", requestID(c))
		}
	}
	ui.setCookie(c, sessionCookie, "", -1, fiber.CookieSameSiteLaxMode)
	if flash != "" {
		ui.setFlash(c, flash)
	}
}
