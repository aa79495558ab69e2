package httpapi

import (
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/clientip"
	"github.com/gofiber/fiber/v2"
)

// maxTokenLen bounds a bearer token; a real access token is far shorter.
const maxTokenLen = 4096

// errNoToken is the 401 of a request without a usable bearer token.
func errNoToken() error {
	return crm.Errorf(crm.EUNAUTHORIZED, "a valid access token is required: send Authorization: Bearer <access_token>")
}

// authenticate is the middleware of every endpoint that needs a caller. A bearer credential
// that starts with crm.APIKeyPrefix is an API key, which the domain checks (unknown, revoked,
// expired keys are refused with 401). Otherwise it verifies the bearer access token, then loads the user through the domain, which refuses a deactivated
// user or one whose password or role changed since the token was issued, so such a change takes
// effect at once. Only the Authorization header counts: cookies (the admin UI's session) are
// never looked at.
func (a *API) authenticate(c *fiber.Ctx) error {
	token := bearer(c)
	if token == "" {
		return errNoToken()
	}
	var u *crm.User
	var err error
	if crm.IsAPIKey(token) {
		// An API key acts as its service account; it is never logged.
		if u, err = a.svc.KeyActor(ctxOf(c), token); err != nil {
			return err
		}
	} else {
		uid, version, err := a.tokens.Verify(ctxOf(c), token)
		if err != nil {
			return err
		}
		if u, err = a.svc.Actor(ctxOf(c), uid, version); err != nil {
			return err
		}
	}
	c.Locals(localUserID, u.ID)
	c.SetUserContext(crm.NewContext(ctxOf(c), u))
	return c.Next()
}

// bearer returns the well-formed bearer token of the Authorization header, or "".
func bearer(c *fiber.Ctx) string {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > maxTokenLen ||
		strings.ContainsAny(token, " \t") {
		return ""
	}
	return token
}

// sendTokens writes a token pair; it must never be cached.
func sendTokens(c *fiber.Ctx, p *TokenPair) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return sendJSON(c, fiber.StatusOK, p)
}

// login checks a username and password and issues a token pair. Throttling is the domain's:
// too many failures come back as ETHROTTLED, a 429 with Retry-After.
func (a *API) login(c *fiber.Ctx) error {
	in, err := decodeBody[loginInput](c, loginBody, modeCreate)
	if err != nil {
		return err
	}
	u, err := a.svc.Authenticate(ctxOf(c), in.Username.Value, in.Password.Value, clientip.Addr(c))
	if err != nil {
		return err
	}
	pair, err := a.tokens.Issue(ctxOf(c), u)
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

// refresh exchanges a refresh token for a new pair. Each refresh token works once; using one
// again revokes its whole family.
func (a *API) refresh(c *fiber.Ctx) error {
	in, err := decodeBody[refreshInput](c, refreshBody, modeCreate)
	if err != nil {
		return err
	}
	pair, err := a.tokens.Refresh(ctxOf(c), in.RefreshToken.Value)
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

// logout revokes a refresh token (and its family) of the caller. It needs the caller's access
// token, and revokes only the caller's own tokens: another user's token, like an unknown one,
// is answered 204 too and left working, so that the answer tells nothing of it.
func (a *API) logout(c *fiber.Ctx) error {
	in, err := decodeBody[refreshInput](c, refreshBody, modeCreate)
	if err != nil {
		return err
	}
	uid, ok := c.Locals(localUserID).(int64)
	if !ok {
		return errNoToken()
	}
	if err := a.tokens.Logout(ctxOf(c), uid, in.RefreshToken.Value); err != nil {
		return err
	}
	return sendNoContent(c)
}

// me returns the caller's own user record.
func (a *API) me(c *fiber.Ctx) error {
	u, err := a.svc.Me(ctxOf(c))
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, u, u.Version)
}

// changePassword changes the caller's own password. It ends every token of the caller, this
// one included: the client logs in again with the new password.
func (a *API) changePassword(c *fiber.Ctx) error {
	in, err := decodeBody[passwordInput](c, passwordBody, modeCreate)
	if err != nil {
		return err
	}
	err = a.svc.ChangePassword(ctxOf(c), in.CurrentPassword.Value, in.NewPassword.Value)
	if err != nil {
		return renameField(err, "password", "new_password")
	}
	return sendNoContent(c)
}

// renameField renames a field of a domain error to the name the API uses for it.
func renameField(err error, from, to string) error {
	fields := crm.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	out := make([]crm.FieldError, len(fields))
	names := make([]string, len(fields))
	for i, f := range fields {
		if f.Field == from {
			f.Field = to
		}
		out[i], names[i] = f, f.Field
	}
	msg := crm.ErrorMessage(err)
	if strings.HasPrefix(msg, "invalid value for ") {
		msg = "invalid value for " + strings.Join(names, ", ")
	}
	return &crm.Error{Code: crm.ErrorCode(err), Message: msg, Fields: out, Err: err}
}
