package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/clientip"
)

// loginBody is the content of the login page.
type loginBody struct {
	CSRF     string
	Next     string
	Username string
	Error    string
}

// loginPage shows the login form; a user who is already logged in goes on to where they were
// heading.
func (ui *UI) loginPage(c *fiber.Ctx) error {
	rq, err := ui.authenticate(c)
	if err != nil {
		return ui.fail(c, nil, err)
	}
	next := ui.safeNext(c.Query("next"))
	if rq != nil {
		return c.Redirect(next, http.StatusSeeOther)
	}
	return ui.renderLogin(c, http.StatusOK, next, "", "")
}

func (ui *UI) renderLogin(c *fiber.Ctx, status int, next, username, msg string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	body := &loginBody{CSRF: ui.loginCSRF(c), Next: next, Username: username, Error: msg}
	return ui.render(c, status, "login", &view{Title: "Log in", Body: body, Flash: ui.takeFlash(c)})
}

// login checks the credentials (POST) through the service, which throttles failures in the
// database for the UI and the API alike, then starts a new session.
func (ui *UI) login(c *fiber.Ctx) error {
	if !validCSRF(postValue(c, csrfField), c.Cookies(loginCSRFCookie)) {
		ui.log.Warn("admin UI: login without a valid CSRF token", "request_id", requestID(c))
		return ui.errorPage(c, nil, http.StatusForbidden, "Request refused",
			"The login form has expired or did not come from this site. Go back to the login page and try again.")
	}
	username := strings.TrimSpace(postValue(c, "username"))
	password := postValue(c, "password")
	next := ui.safeNext(postValue(c, "next"))
	if username == "" || password == "" {
		return ui.renderLogin(c, http.StatusUnprocessableEntity, next, username, "Enter your username and your password.")
	}
	u, err := ui.svc.Authenticate(c.UserContext(), username, password, clientip.Addr(c))
	switch crm.ErrorCode(err) {
	case "":
	case crm.EUNAUTHORIZED:
		return ui.renderLogin(c, http.StatusUnauthorized, next, username,
			"The username or password is wrong, or the account is inactive. Both are case-sensitive.")
	case crm.ETHROTTLED:
		wait := retryAfter(err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return ui.renderLogin(c, http.StatusTooManyRequests, next, username,
			"Too many failed logins. For your security, logging in is paused: try again in "+humanWait(wait)+
				" (after "+ui.now().Add(wait).Format("15:04")+" UTC).")
	case crm.EBUSY:
		wait := retryAfter(err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return ui.renderLogin(c, http.StatusServiceUnavailable, next, username,
			"The server is busy checking other logins. Nothing was counted against your account: try again in a few seconds.")
	default:
		return ui.fail(c, nil, err)
	}
	if err := ui.startSession(c, u); err != nil {
		return ui.fail(c, nil, err)
	}
	ui.setCookie(c, loginCSRFCookie, "", -1, fiber.CookieSameSiteStrictMode)
	return c.Redirect(next, http.StatusSeeOther)
}

// retryAfter returns how long a throttled or busy request must wait, at least a second.
func retryAfter(err error) time.Duration {
	var e *crm.Error
	if errors.As(err, &e) && e.RetryAfter > time.Second {
		return e.RetryAfter
	}
	return time.Second
}

// humanWait writes a wait as "14 minutes" or "30 seconds".
func humanWait(d time.Duration) string {
	if d >= time.Minute {
		return plural(int((d+time.Minute-1)/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "second")
}

// throttled renders the 429 page of a throttled request outside the login form.
func (ui *UI) throttled(c *fiber.Ctx, err error) error {
	wait := retryAfter(err)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
	return ui.errorPage(c, nil, http.StatusTooManyRequests, "Too many attempts",
		"Please wait "+humanWait(wait)+" before trying again.")
}

// logout ends the session for good (POST only) and returns to the login page.
func (ui *UI) logout(rq *request) error {
	ui.endSession(rq.c, rq.session.IDHash, "logged-out")
	return rq.c.Redirect(ui.root+"/login", http.StatusSeeOther)
}

// passwordPage shows the form to change one's own password.
func (ui *UI) passwordPage(rq *request) error {
	return ui.renderPassword(rq, http.StatusOK, formErrors{}, nil)
}

func (ui *UI) renderPassword(rq *request, status int, errs formErrors, a *alert) error {
	fs := &fieldSet{values: values{}, errs: errs}
	fs.add(field{Name: "current_password", Label: "Current password", Type: "password", Required: true,
		Autocomplete: "current-password", Wide: true})
	fs.add(field{Name: "password", Label: "New password", Type: "password", Required: true, Autocomplete: "new-password",
		Wide: true, Help: "At least 8 characters, not a common password, not only digits, and not close to your username or email."})
	fs.add(field{Name: "password_confirm", Label: "New password again", Type: "password", Required: true,
		Autocomplete: "new-password", Wide: true})
	body := &recordBody{Heading: "Change password", Sub: "Your other sessions are logged out when the password changes.",
		Form: &formBody{Action: ui.root + "/password", Fields: fs.fields, Submit: "Change password", Cancel: ui.root + "/", Alert: a}}
	vw := ui.newView(rq, "password", "Change password", body)
	vw.Crumbs = []crumb{{Label: "Dashboard", Href: ui.root + "/"}, {Label: "Change password"}}
	return ui.render(rq.c, status, "record", vw)
}

// changePassword changes the user's own password (POST). Every session of the user ends, this
// one included; the browser gets a new session, so the user stays logged in here only.
func (ui *UI) changePassword(rq *request) error {
	current, next := postValue(rq.c, "current_password"), postValue(rq.c, "password")
	if next != postValue(rq.c, "password_confirm") {
		return ui.renderPassword(rq, http.StatusUnprocessableEntity,
			formErrors{"password_confirm": "Does not match the new password"}, parseFailure())
	}
	if err := ui.svc.ChangePassword(rq.ctx, current, next); err != nil {
		if status, a, errs, ok := submitFailure(err, ""); ok {
			return ui.renderPassword(rq, status, errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	me, err := ui.svc.Me(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	if err := ui.startSession(rq.c, me); err != nil {
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "password-changed")
	return rq.c.Redirect(ui.root+"/", http.StatusSeeOther)
}
