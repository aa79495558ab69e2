package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/clientip"
	"github.com/epicevents/epiccrm/internal/reqid"
)

// contentSecurityPolicy allows only the UI's own scripts, styles, images and form targets, and
// forbids framing: stored data can never run as script, even if a template were wrong.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// guard runs first on every /admin request: it sets the security headers, refuses cross-site
// writes, turns a panic into a 500 page and renders any error left by the routes (an unknown
// path, a wrong method) as a page of the UI rather than letting the app's error handler answer.
func (ui *UI) guard(c *fiber.Ctx) (err error) {
	start := time.Now()
	requestID(c)
	setLocale(c, ui.anonymousLocale(c))
	defer ui.logRequest(c, start)
	ctx, cancel := context.WithTimeout(c.UserContext(), ui.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if c.Protocol() == "https" {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	defer func() {
		if p := recover(); p != nil {
			ui.log.Error("admin UI: panic", "panic", fmt.Sprint(p), "path", c.Path(), "request_id", requestID(c), "stack", string(debug.Stack()))
			l := localeOf(c)
			err = ui.errorPage(c, nil, http.StatusInternalServerError, l.T("Something went wrong"),
				l.T("An unexpected error occurred. It has been logged; please try again in a moment."))
		}
	}()
	if n := len(c.Request().Body()); n > ui.cfg.BodyLimit {
		l := localeOf(c)
		return ui.errorPage(c, nil, http.StatusRequestEntityTooLarge, l.T("Request too large"),
			l.T("The form sent %d bytes, more than the %d this site accepts, so nothing was changed.", n, ui.cfg.BodyLimit))
	}
	if !safeMethod(c.Method()) {
		if why := crossSite(c); why != "" {
			ui.log.Warn("admin UI: cross-site request refused", "reason", why, "path", c.Path(), "request_id", requestID(c))
			l := localeOf(c)
			return ui.errorPage(c, nil, http.StatusForbidden, l.T("Request refused"),
				l.T("This request came from another site, so it was refused. Go back to the page and try again."))
		}
	}
	err = c.Next()
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case http.StatusNotFound:
			return ui.notFound(c, nil)
		case http.StatusMethodNotAllowed:
			rq := ui.knownUser(c, nil)
			l := localeOf(c)
			return ui.errorPage(c, rq, http.StatusMethodNotAllowed, l.T("Method not allowed"),
				l.T("This address does not accept that kind of request."))
		default:
			return ui.errorPage(c, nil, fe.Code, http.StatusText(fe.Code), localeOf(c).T("The request could not be handled."))
		}
	}
	if err != nil {
		return ui.fail(c, nil, err)
	}
	return nil
}

// safeMethod reports whether m is a method that must not change anything.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// crossSite returns why a state-changing request looks cross-site, or "" when it does not: the
// browser says so in Sec-Fetch-Site, or the Origin is not this host.
func crossSite(c *fiber.Ctx) string {
	if site := c.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return "Sec-Fetch-Site: " + site
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return ""
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return "Origin: " + origin
	}
	host := string(c.Request().Host())
	if !strings.EqualFold(u.Host, host) && !strings.EqualFold(u.Host, c.Hostname()) {
		return "Origin: " + origin
	}
	return ""
}

// onlyPost answers a GET on an address that only takes POST: a mutating URL never acts on GET.
func (ui *UI) onlyPost(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAllow, http.MethodPost)
	rq := ui.knownUser(c, nil)
	l := localeOf(c)
	return ui.errorPage(c, rq, http.StatusMethodNotAllowed, l.T("Method not allowed"),
		l.T("This action is taken with a button on the page, not by opening its address."))
}

// requestID returns the id of the request, for the logs (see package reqid).
func requestID(c *fiber.Ctx) string { return reqid.Get(c) }

// request is one authenticated request: the Fiber context, the acting user and their session.
type request struct {
	c       *fiber.Ctx
	ctx     context.Context
	actor   *crm.User
	session *crm.Session
	perms   map[crm.Resource]map[crm.Action][]crm.Scope
	svc     *crm.Service
}

// can reports whether the user has any scope for (res, act): whether to offer the action.
func (rq *request) can(res crm.Resource, act crm.Action) bool {
	return len(rq.perms[res][act]) > 0
}

// canOn reports whether the user's permission for act reaches the record with id (for create,
// the parent record), so that a record page offers only what the policy allows on that very
// record: with a policy where sales read every client, another's client shows no Save button.
func (rq *request) canOn(res crm.Resource, act crm.Action, id int64) bool {
	if !rq.can(res, act) {
		return false
	}
	ok, err := rq.svc.Allows(rq.ctx, res, act, id)
	return err == nil && ok
}

// canAll reports whether the user has the "any" scope for (res, act), e.g. may list all users.
func (rq *request) canAll(res crm.Resource, act crm.Action) bool {
	for _, s := range rq.perms[res][act] {
		if s == crm.ScopeAny {
			return true
		}
	}
	return false
}

// handler is a page or action of a logged-in user.
type handler func(rq *request) error

// protect wraps h so that it runs only for a logged-in user: an anonymous request is sent to the
// login page (303), and a state-changing request must carry the session's CSRF token (403
// otherwise, and nothing changes).
func (ui *UI) protect(h handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rq, err := ui.authenticate(c)
		if err != nil {
			return ui.fail(c, nil, err)
		}
		if rq == nil {
			return ui.toLogin(c)
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set("Pragma", "no-cache")
		if !safeMethod(c.Method()) && !validCSRF(postValue(c, csrfField), rq.session.CSRFToken) {
			ui.log.Warn("admin UI: missing or wrong CSRF token", "user_id", rq.actor.ID, "path", c.Path(), "request_id", requestID(c))
			return ui.errorPage(c, rq, http.StatusForbidden, rq.T("Request refused"),
				rq.T("This form has expired or did not come from this site, so nothing was changed. Reload the page and try again."))
		}
		return h(rq)
	}
}

// toLogin redirects an anonymous request to the login page, asking to come back to the page
// that was asked for when it was a plain GET.
func (ui *UI) toLogin(c *fiber.Ctx) error {
	target := ui.root + "/login"
	if c.Method() == http.MethodGet {
		if next := ui.safeNext(c.OriginalURL()); next != ui.root+"/" && next != ui.root {
			target += "?next=" + url.QueryEscape(next)
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(target, http.StatusSeeOther)
}

// safeNext returns next when it is a local path of the UI, and the dashboard otherwise, so that
// the login page can never redirect to another site.
func (ui *UI) safeNext(next string) string {
	home := ui.root + "/"
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, ui.root) {
		return home
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	// Both the path and its escaped form (what RequestURI returns) must be in the UI: "/admin%2Fx"
	// is "/admin/x" decoded, but a browser asks for "/admin%2Fx".
	for _, p := range []string{u.Path, u.EscapedPath()} {
		if p != ui.root && !strings.HasPrefix(p, ui.root+"/") || strings.HasPrefix(p, "//") {
			return home
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == ".." || seg == "." {
			return home
		}
	}
	if u.Path == ui.root+"/login" || u.Path == ui.root+"/logout" || strings.HasPrefix(u.Path, ui.root+"/static/") {
		return home
	}
	return u.RequestURI()
}

// logRequest writes the access log line of a request: never a header value, a form field or a
// cookie, so no password, token or session id can reach the log.
func (ui *UI) logRequest(c *fiber.Ctx, start time.Time) {
	ui.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("request_id", requestID(c)),
		slog.String("method", c.Method()),
		slog.String("route", c.Route().Path),
		slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("ip", clientip.Addr(c)))
}
