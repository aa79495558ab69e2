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
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// views holds, for each language, one parsed template set per page: the shared layouts and
// partials plus the page's own "content" template. Each language's set has its own t function,
// so {{t "key"}} translates without passing the locale around.
type views struct {
	pages map[string]map[string]*template.Template // language -> page -> templates
}

// loadViews parses the embedded templates, once per language. Every page is html/template, so
// every value is escaped for its context (text, attribute, URL) and stored data can never become
// markup. Links in the templates start with root, the UI's own path. Texts go through t:
// {{t "Log out"}}, or {{t "New %s" .Singular}} with arguments (see localeFiles).
func (ui *UI) loadViews() (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range Languages {
		l := ui.newLocale(lang, ui.zone, crm.ThemeAuto)
		funcs := template.FuncMap{
			"asset":     func(name string) string { return ui.assets.url(ui.root, name) },
			"root":      func() string { return ui.root },
			"t":         l.T,
			"roleLabel": l.roleLabel,
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
		v.pages[lang] = map[string]*template.Template{}
		for _, name := range names {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(files, name); err != nil {
				return nil, fmt.Errorf("parse template %s: %w", name, err)
			}
			v.pages[lang][strings.TrimSuffix(path.Base(name), ".html")] = t
		}
	}
	return v, nil
}

// view is what every page template gets: the page's own data in Body, and what the layout
// needs around it (the user, the navigation, the CSRF token of the logout form, a flash
// message).
type view struct {
	Lang    string // the code of the page's language, for <html lang>
	Theme   string // light, dark or auto, for <html data-theme>
	Zone    string // the name of the time zone the page's times are in
	Title   string
	Section string
	Actor   *crm.User
	CSRF    string
	Nav     []navItem
	Account []navItem
	Flash   *flash
	Crumbs  []crumb
	Body    any
	// Languages are the language switcher of the pages for visitors who are not logged in.
	Languages *languageSwitch
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
	dashboard := rq.T("Dashboard")
	v := &view{Title: title, Section: section, Actor: rq.actor, CSRF: rq.session.CSRFToken, Body: body,
		Flash: ui.takeFlash(rq.c), Crumbs: []crumb{{Label: dashboard, Href: ui.root + "/"}, {Label: title}}}
	if section == "dashboard" {
		v.Crumbs = []crumb{{Label: dashboard}}
	}
	v.Nav = append(v.Nav, navItem{Label: dashboard, Href: ui.root + "/", Icon: "home", Active: section == "dashboard"})
	for _, k := range kinds {
		if k.res == crm.ResourceUser || !rq.can(k.res, crm.ActionRead) {
			continue
		}
		v.Nav = append(v.Nav, navItem{Label: rq.T(k.plural), Href: ui.listURL(k), Icon: k.icon, Active: section == k.path})
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		v.Nav = append(v.Nav, navItem{Label: rq.T("Users"), Href: ui.listURL(kindUser), Icon: kindUser.icon, Active: section == kindUser.path})
	}
	if canReview(rq) {
		v.Nav = append(v.Nav, navItem{Label: rq.T("Access review"), Href: ui.root + reviewPath, Icon: "shield", Active: section == "access-review"})
	}
	if canManageWebhooks(rq) {
		v.Nav = append(v.Nav, navItem{Label: rq.T("Webhooks"), Href: ui.root + webhooksPath, Icon: "sparkle", Active: section == "webhooks"})
	}
	if canManageKeys(rq) {
		v.Nav = append(v.Nav, navItem{Label: rq.T("API keys"), Href: ui.root + apiKeysPath, Icon: "key", Active: section == "api-keys"})
	}
	if canReadAudit(rq) {
		v.Nav = append(v.Nav, navItem{Label: rq.T("Recent changes"), Href: ui.root + changesPath, Icon: "clock", Active: section == "changes"})
	}
	v.Account = []navItem{
		{Label: rq.T("My profile"), Href: ui.recordURL(kindUser, rq.actor.ID), Icon: "user", Active: section == "profile"},
		{Label: rq.T("Change password"), Href: ui.root + "/password", Icon: "key", Active: section == "password"},
	}
	if ui.cfg.Preferences != nil {
		v.Account = append(v.Account, navItem{Label: rq.T("Preferences"), Href: ui.root + "/preferences", Icon: "sparkle", Active: section == "preferences"})
	}
	if ui.cfg.Calendars != nil && rq.can(crm.ResourceEvent, crm.ActionRead) {
		v.Account = append(v.Account, navItem{Label: rq.T("My calendar"), Href: ui.root + "/calendar", Icon: "key", Active: section == "calendar"})
	}
	v.Account = append(v.Account, navItem{Label: rq.T("Notifications"), Href: ui.root + notificationsPath, Icon: "clock", Active: section == "notifications"})
	return v
}

// render writes page with status, as HTML.
func (ui *UI) render(c *fiber.Ctx, status int, page string, v any) error {
	l := localeOf(c)
	t, ok := ui.views.pages[l.Lang][page]
	if !ok {
		return ui.plainError(c, fmt.Errorf("no template for page %q", page))
	}
	layout := "layout"
	if vw, ok := v.(*view); ok {
		vw.Lang, vw.Theme, vw.Zone = l.Lang, l.Theme, l.zone.String()
		if vw.Actor == nil {
			layout = "plain"
			vw.Languages = ui.languageChoices(c, l)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, v); err != nil {
		return ui.plainError(c, fmt.Errorf("render page %q: %w", page, err))
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, l.Lang)
	c.Vary(fiber.HeaderAcceptLanguage)
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

// knownUser returns rq, or, when the caller has not authenticated the request, the logged-in
// user's request if there is one (nil otherwise), so that an error page outside the protected
// pages still speaks the user's language and shows their menu.
func (ui *UI) knownUser(c *fiber.Ctx, rq *request) *request {
	if rq == nil {
		rq, _ = ui.authenticate(c)
	}
	return rq
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
	rq = ui.knownUser(c, rq)
	l := localeOf(c)
	return ui.errorPage(c, rq, http.StatusNotFound, l.T("Page not found"),
		l.T("There is nothing here, or you do not have access to it. Check the address, or go back to the dashboard."))
}

// fail renders the page for an error returned by the service: one table from error code to
// status, so that every handler answers the same way. The page's title is the code's, its text
// the domain's message (translated, see locale.errorSentence), then its field errors.
func (ui *UI) fail(c *fiber.Ctx, rq *request, err error) error {
	l := localeOf(c)
	text := func(generic string) string { return l.errorSentence(err, generic) }
	var details []string
	for _, f := range crm.ErrorFields(err) {
		details = append(details, fieldLabelOf(l, f.Field)+l.T(": ")+l.fieldMessage(f))
	}
	switch crm.ErrorCode(err) {
	case crm.ENOTFOUND:
		return ui.notFound(c, rq)
	case crm.EFORBIDDEN:
		return ui.errorPage(c, rq, http.StatusForbidden, l.T("Not allowed"), text(msg("You may not do this.")))
	case crm.EUNAUTHORIZED:
		var hash []byte
		if rq != nil {
			hash = rq.session.IDHash
		}
		ui.endSession(c, hash, "session-ended")
		return ui.toLogin(c)
	case crm.EMALFORMED:
		return ui.errorPage(c, rq, http.StatusBadRequest, l.T("Bad request"), text(msg("Some values could not be read.")), details...)
	case crm.EINVALID:
		return ui.errorPage(c, rq, http.StatusUnprocessableEntity, l.T("Invalid values"), text(msg("Some values are not valid.")), details...)
	case crm.ECONFLICT:
		return ui.errorPage(c, rq, http.StatusConflict, l.T("Cannot do that now"), text(msg("The record is not in a state that allows this.")))
	case crm.EPRECONDITION:
		return ui.errorPage(c, rq, http.StatusPreconditionFailed, l.T("Changed meanwhile"),
			l.T("Someone else changed this record since you opened it. Reload the page to see the latest version, then try again."))
	case crm.ETHROTTLED:
		return ui.throttled(c, err)
	case crm.EBUSY:
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retryAfter(err)/time.Second)))
		return ui.errorPage(c, rq, http.StatusServiceUnavailable, l.T("Busy right now"),
			l.T("The server is busy checking other passwords, so nothing was changed. Please try again in a few seconds."))
	case crm.EUNAVAILABLE:
		c.Set(fiber.HeaderRetryAfter, "5")
		return ui.errorPage(c, rq, http.StatusServiceUnavailable, l.T("Temporarily unavailable"),
			l.T("The database cannot be reached right now. Please try again in a few seconds."))
	default:
		ui.log.Error("admin UI: internal error", "err", err, "path", c.Path(), "request_id", requestID(c))
		return ui.errorPage(c, rq, http.StatusInternalServerError, l.T("Something went wrong"),
			l.T("An unexpected error occurred. It has been logged; please try again in a moment."))
	}
}

// capitalize upper-cases the first letter of a message from the domain, to start a sentence
// (a letter, not a byte: a French message may start with "é").
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
