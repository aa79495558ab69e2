package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// views holds one parsed template set per page: the shared layouts and partials plus the page's
// own "content" template.
type views struct {
	pages map[string]*template.Template
}

// loadViews parses the embedded templates. Every page is html/template, so every value is
// escaped for its context (text, attribute, URL) and stored data can never become markup.
// Links in the templates start with root, the UI's own path.
func loadViews(as *assets, root string) (*views, error) {
	funcs := template.FuncMap{
		"asset":     func(name string) string { return as.url(root, name) },
		"root":      func() string { return root },
		"roleLabel": roleLabel,
		"initials": func(u *crm.User) string {
			if u == nil {
				return "?"
			}
			return initials(u)
		},
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(files, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse the layout templates: %w", err)
	}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, name); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		v.pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return v, nil
}

// view is what every page template gets: the page's own data in Body, and what the layout
// needs around it (the user, the navigation, the CSRF token of the logout form, a flash
// message).
type view struct {
	Title   string
	Section string
	Actor   *crm.User
	CSRF    string
	Nav     []navItem
	Account []navItem
	Flash   *flash
	Crumbs  []crumb
	Body    any
}

// navItem is an entry of the sidebar.
type navItem struct {
	Label, Href, Icon string
	Active            bool
}

// crumb is a step of the breadcrumb trail above a page's title.
type crumb struct {
	Label, Href string
}

// newView returns the frame of a page for a logged-in user: the sidebar shows only the sections
// the user may read.
func (ui *UI) newView(rq *request, section, title string, body any) *view {
	v := &view{Title: title, Section: section, Actor: rq.actor, CSRF: rq.session.CSRFToken, Body: body,
		Flash: ui.takeFlash(rq.c), Crumbs: []crumb{{Label: "Dashboard", Href: ui.root + "/"}, {Label: title}}}
	if section == "dashboard" {
		v.Crumbs = []crumb{{Label: "Dashboard"}}
	}
	v.Nav = append(v.Nav, navItem{Label: "Dashboard", Href: ui.root + "/", Icon: "home", Active: section == "dashboard"})
	for _, k := range kinds {
		if k.res == crm.ResourceUser || !rq.can(k.res, crm.ActionRead) {
			continue
		}
		v.Nav = append(v.Nav, navItem{Label: k.plural, Href: ui.listURL(k), Icon: k.icon, Active: section == k.path})
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		v.Nav = append(v.Nav, navItem{Label: "Users", Href: ui.listURL(kindUser), Icon: kindUser.icon, Active: section == kindUser.path})
	}
	if canReview(rq) {
		v.Nav = append(v.Nav, navItem{Label: "Access review", Href: ui.root + reviewPath, Icon: "shield", Active: section == "access-review"})
	}
	v.Account = []navItem{
		{Label: "My profile", Href: ui.recordURL(kindUser, rq.actor.ID), Icon: "user", Active: section == "profile"},
		{Label: "Change password", Href: ui.root + "/password", Icon: "key", Active: section == "password"},
	}
	if ui.cfg.Calendars != nil && rq.can(crm.ResourceEvent, crm.ActionRead) {
		v.Account = append(v.Account, navItem{Label: "My calendar", Href: ui.root + "/calendar", Icon: "key", Active: section == "calendar"})
	}
	return v
}

// render writes page with status, as HTML.
func (ui *UI) render(c *fiber.Ctx, status int, page string, v any) error {
	t, ok := ui.views.pages[page]
	if !ok {
		return ui.plainError(c, fmt.Errorf("no template for page %q", page))
	}
	layout := "layout"
	if vw, ok := v.(*view); ok && vw.Actor == nil {
		layout = "plain"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, v); err != nil {
		return ui.plainError(c, fmt.Errorf("render page %q: %w", page, err))
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if c.GetRespHeader(fiber.HeaderCacheControl) == "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Send(buf.Bytes())
}

// plainError answers 500 with a short text when a template itself fails: the last resort.
func (ui *UI) plainError(c *fiber.Ctx, err error) error {
	ui.log.Error("admin UI: cannot render a page", "err", err, "request_id", requestID(c))
	c.Status(http.StatusInternalServerError)
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString("Internal error: the page could not be rendered. It has been logged.")
}

// errorBody is the content of an error page.
type errorBody struct {
	Status  int
	Title   string
	Message string
	Details []string
	Back    string
}

// errorPage renders an error page in the UI's style: inside the layout for a logged-in user, on
// its own otherwise. When the caller has not authenticated the request (rq is nil), it looks for
// a session itself, except for server errors, which may come from an unreachable database.
func (ui *UI) errorPage(c *fiber.Ctx, rq *request, status int, title, message string, details ...string) error {
	body := &errorBody{Status: status, Title: title, Message: message, Details: details, Back: ui.root + "/"}
	if rq == nil && status < http.StatusInternalServerError {
		rq, _ = ui.authenticate(c)
	}
	if rq != nil {
		return ui.render(c, status, "error", ui.newView(rq, "", title, body))
	}
	return ui.render(c, status, "error", &view{Title: title, Body: body})
}

// notFound renders the 404 page. The same page answers a record that does not exist and one the
// user may not read, so ids cannot be probed.
func (ui *UI) notFound(c *fiber.Ctx, rq *request) error {
	return ui.errorPage(c, rq, http.StatusNotFound, "Page not found",
		"There is nothing here, or you do not have access to it. Check the address, or go back to the dashboard.")
}

// fail renders the page for an error returned by the service: one table from error code to
// status, so that every handler answers the same way.
func (ui *UI) fail(c *fiber.Ctx, rq *request, err error) error {
	msg := crm.ErrorMessage(err)
	var details []string
	for _, f := range crm.ErrorFields(err) {
		details = append(details, f.Field+": "+f.Message)
	}
	switch crm.ErrorCode(err) {
	case crm.ENOTFOUND:
		return ui.notFound(c, rq)
	case crm.EFORBIDDEN:
		return ui.errorPage(c, rq, http.StatusForbidden, "Not allowed", capitalize(msg)+".")
	case crm.EUNAUTHORIZED:
		var hash []byte
		if rq != nil {
			hash = rq.session.IDHash
		}
		ui.endSession(c, hash, "session-ended")
		return ui.toLogin(c)
	case crm.EMALFORMED:
		return ui.errorPage(c, rq, http.StatusBadRequest, "Bad request", capitalize(msg)+".", details...)
	case crm.EINVALID:
		return ui.errorPage(c, rq, http.StatusUnprocessableEntity, "Invalid values", capitalize(msg)+".", details...)
	case crm.ECONFLICT:
		return ui.errorPage(c, rq, http.StatusConflict, "Cannot do that now", capitalize(msg)+".")
	case crm.EPRECONDITION:
		return ui.errorPage(c, rq, http.StatusPreconditionFailed, "Changed meanwhile",
			"Someone else changed this record since you opened it. Reload the page to see the latest version, then try again.")
	case crm.ETHROTTLED:
		return ui.throttled(c, err)
	case crm.EBUSY:
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retryAfter(err)/time.Second)))
		return ui.errorPage(c, rq, http.StatusServiceUnavailable, "Busy right now",
			"The server is busy checking other passwords, so nothing was changed. Please try again in a few seconds.")
	case crm.EUNAVAILABLE:
		c.Set(fiber.HeaderRetryAfter, "5")
		return ui.errorPage(c, rq, http.StatusServiceUnavailable, "Temporarily unavailable",
			"The database cannot be reached right now. Please try again in a few seconds.")
	default:
		ui.log.Error("admin UI: internal error", "err", err, "path", c.Path(), "request_id", requestID(c))
		return ui.errorPage(c, rq, http.StatusInternalServerError, "Something went wrong",
			"An unexpected error occurred. It has been logged; please try again in a moment.")
	}
}

// capitalize upper-cases the first letter of a message from the domain, to start a sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
