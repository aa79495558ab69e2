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
	ui.chooseLanguage(c)
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
	return ui.render(c, status, "login", &view{Title: localeOf(c).T("Log in"), Body: body, Flash: ui.takeFlash(c)})
}

// login checks the credentials (POST) through the service, which throttles failures in the
// database for the UI and the API alike, then starts a new session.
func (ui *UI) login(c *fiber.Ctx) error {
	if !validCSRF(postValue(c, csrfField), c.Cookies(loginCSRFCookie)) {
		ui.log.Warn("admin UI: login without a valid CSRF token", "request_id", requestID(c))
		l := localeOf(c)
		return ui.errorPage(c, nil, http.StatusForbidden, l.T("Request refused"),
			l.T("The login form has expired or did not come from this site. Go back to the login page and try again."))
	}
	username := strings.TrimSpace(postValue(c, "username"))
	password := postValue(c, "password")
	next := ui.safeNext(postValue(c, "next"))
	l := localeOf(c)
	if username == "" || password == "" {
		return ui.renderLogin(c, http.StatusUnprocessableEntity, next, username, l.T("Enter your username and your password."))
	}
	u, err := ui.svc.Authenticate(c.UserContext(), username, password, clientip.Addr(c))
	switch crm.ErrorCode(err) {
	case "":
	case crm.EUNAUTHORIZED:
		return ui.renderLogin(c, http.StatusUnauthorized, next, username,
			l.T("The username or password is wrong, or the account is inactive. Both are case-sensitive."))
	case crm.ETHROTTLED:
		wait := retryAfter(err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return ui.renderLogin(c, http.StatusTooManyRequests, next, username,
			l.T("Too many failed logins. For your security, logging in is paused: try again in %[1]s (after %[2]s).",
				humanWait(l, wait), ui.now().Add(wait).In(l.zone).Format("15:04 MST")))
	case crm.EBUSY:
		wait := retryAfter(err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return ui.renderLogin(c, http.StatusServiceUnavailable, next, username,
			l.T("The server is busy checking other logins. Nothing was counted against your account: try again in a few seconds."))
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
func humanWait(l *locale, d time.Duration) string {
	if d >= time.Minute {
		return l.T("%d minutes", int((d+time.Minute-1)/time.Minute))
	}
	return l.T("%d seconds", int(d/time.Second))
}

// throttled renders the 429 page of a throttled request outside the login form.
func (ui *UI) throttled(c *fiber.Ctx, err error) error {
	wait := retryAfter(err)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
	l := localeOf(c)
	return ui.errorPage(c, nil, http.StatusTooManyRequests, l.T("Too many attempts"),
		l.T("Please wait %s before trying again.", humanWait(l, wait)))
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
	fs.add(field{Name: "current_password", Label: rq.T("Current password"), Type: "password", Required: true,
		Autocomplete: "current-password", Wide: true})
	fs.add(field{Name: "password", Label: rq.T("New password"), Type: "password", Required: true, Autocomplete: "new-password",
		Wide: true, Help: rq.T("At least 8 characters, not a common password, not only digits, and not close to your username or email.")})
	fs.add(field{Name: "password_confirm", Label: rq.T("New password again"), Type: "password", Required: true,
		Autocomplete: "new-password", Wide: true})
	title := rq.T("Change password")
	body := &recordBody{Heading: title, Sub: rq.T("Your other sessions are logged out when the password changes."),
		Form: &formBody{Action: ui.root + "/password", Fields: fs.fields, Submit: title, Cancel: ui.root + "/", Alert: a}}
	vw := ui.newView(rq, "password", title, body)
	vw.Crumbs = []crumb{{Label: rq.T("Dashboard"), Href: ui.root + "/"}, {Label: title}}
	return ui.render(rq.c, status, "record", vw)
}

// changePassword changes the user's own password (POST). Every session of the user ends, this
// one included; the browser gets a new session, so the user stays logged in here only.
func (ui *UI) changePassword(rq *request) error {
	current, next := postValue(rq.c, "current_password"), postValue(rq.c, "password")
	if next != postValue(rq.c, "password_confirm") {
		return ui.renderPassword(rq, http.StatusUnprocessableEntity,
			formErrors{"password_confirm": rq.T("Does not match the new password")}, parseFailure(rq.loc()))
	}
	if err := ui.svc.ChangePassword(rq.ctx, current, next); err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
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
