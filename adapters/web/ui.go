package web

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// Default session lifetimes, after OWASP's session management advice for an internal back
// office: a session ends after 30 minutes without activity, and after 12 hours in any case.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// DefaultRequestTimeout is the time budget of one admin request when Config.RequestTimeout is 0.
const DefaultRequestTimeout = 30 * time.Second

// Prefix is the path under which Register mounts the UI on the router it is given. Links in the
// pages are absolute: Config.BasePath tells where that router itself is mounted.
const Prefix = "/admin"

// Config tunes the admin UI. The zero value is usable: plain-HTTP cookies (Secure is still set
// on requests that came over HTTPS), the default timeouts, the real clock and slog's default
// logger.
type Config struct {
	// Secure marks every cookie Secure, for a server that is only reached over HTTPS (for
	// example behind a TLS-terminating proxy). Cookies are also Secure on any request that came
	// over HTTPS.
	Secure bool
	// IdleTimeout ends a session that saw no request for this long; 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login, active or not; 0 means
	// DefaultAbsoluteTimeout.
	AbsoluteTimeout time.Duration
	// RequestTimeout is the time budget of one request, given to the domain and the database
	// through the request's context; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Now returns the current time; nil means time.Now. Tests set it to move time forward.
	Now func() time.Time
	// Logger receives unexpected errors (with the request id) and security refusals; nil means
	// slog.Default().
	Logger *slog.Logger
	// BasePath is the path the router given to Register is mounted under, such as /crm ("" for
	// the root of the app): the UI is then at BasePath/admin, and every link, redirect, asset
	// address and cookie path starts with it. It must start with a slash.
	BasePath string
	// BodyLimit is the largest form body accepted, in bytes; 0 means DefaultBodyLimit. A larger
	// one is refused with a 413 page. The UI checks it itself, so it holds on a host's app too,
	// as long as the host's fiber.Config.BodyLimit is not lower.
	BodyLimit int
	// Language is the code of the language (one of Languages) of a visitor whose browser asks for
	// none the UI speaks and who saved no preference; "" means DefaultLanguage.
	Language string
	// TimeZone is the IANA name of the zone times are shown and entered in, for a user who chose
	// none; "" means DefaultTimeZone. Times are always stored in UTC.
	TimeZone string
	// Preferences keeps each user's language, time zone and theme; nil means no preferences page,
	// and every user gets the defaults above.
	Preferences crm.PreferenceStore
	// Stream is the process's change feed behind the list pages' live "changes — refresh"
	// notice (/admin/stream); nil: no live notice.
	Stream *crm.Feed
	// Draining, when set, tells that the process is shutting down: live streams end then, so
	// that they do not hold up the graceful shutdown.
	Draining func() bool
	// Calendars are the users' private calendar feeds, offered at /admin/calendar; nil: none.
	Calendars *crm.Calendars
}

// DefaultBodyLimit is the largest form body the UI accepts when Config.BodyLimit is 0.
const DefaultBodyLimit = 1 << 20

// UI is the admin UI. Create it with New and mount it with Register. It is safe for concurrent
// use.
type UI struct {
	cfg      Config
	svc      *crm.Service
	sessions crm.SessionStore
	views    *views
	assets   *assets
	log      *slog.Logger
	root     string // BasePath + Prefix: where the UI's pages are
	cat      *catalogue
	zone     *time.Location // Config.TimeZone
}

// New returns the admin UI over svc, keeping its sessions in sessions. It parses the embedded
// templates, so a broken template is reported here rather than on the first request. It does
// no I/O.
func New(cfg Config, svc *crm.Service, sessions crm.SessionStore) (*UI, error) {
	if svc == nil || sessions == nil {
		return nil, errors.New("web.New: a crm.Service and a crm.SessionStore are required")
	}
	if cfg.BasePath != "" && (!strings.HasPrefix(cfg.BasePath, "/") || strings.HasSuffix(cfg.BasePath, "/")) {
		return nil, fmt.Errorf("web.New: BasePath %q must start with a slash and not end with one (such as /crm), or be empty", cfg.BasePath)
	}
	if cfg.BodyLimit < 0 {
		return nil, fmt.Errorf("web.New: BodyLimit must not be negative (%d)", cfg.BodyLimit)
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.IdleTimeout < 0 || cfg.AbsoluteTimeout < 0 || cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("web.New: timeouts must not be negative (idle %s, absolute %s, request %s)",
			cfg.IdleTimeout, cfg.AbsoluteTimeout, cfg.RequestTimeout)
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if cfg.Language == "" {
		cfg.Language = DefaultLanguage
	}
	if !supportedLanguage(cfg.Language) {
		return nil, fmt.Errorf("web.New: unknown language %q: use one of %s", cfg.Language, strings.Join(Languages, ", "))
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = DefaultTimeZone
	}
	zone, err := parseZone(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	cat, err := loadCatalogue()
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	as, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	root := cfg.BasePath + Prefix
	ui := &UI{cfg: cfg, svc: svc, sessions: sessions, assets: as, log: cfg.Logger, root: root, cat: cat, zone: zone}
	if ui.views, err = ui.loadViews(); err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	return ui, nil
}

// Register mounts every page of the UI under /admin on r, which must be mounted at
// Config.BasePath (the app itself when BasePath is empty). The UI renders its own error pages,
// so it does not depend on the app's error handler.
func (ui *UI) Register(r fiber.Router) {
	// "/admin" without its slash is what people type: send them to the dashboard.
	// (An app without strict routing sends "/admin/" here too: that one goes on to the dashboard.)
	r.Get(Prefix, func(c *fiber.Ctx) error {
		if c.Path() != ui.root {
			return c.Next()
		}
		return c.Redirect(ui.root+"/", fiber.StatusSeeOther)
	})
	g := r.Group(Prefix, ui.guard)
	g.Get("/static/*", ui.static)

	g.Get("/login", ui.loginPage)
	g.Post("/login", ui.login)
	g.Post("/logout", ui.protect(ui.logout))
	g.Get("/logout", ui.onlyPost)

	g.Get("/", ui.protect(ui.dashboard))
	g.Get("/stream", ui.protect(ui.stream))
	g.Get("/calendar", ui.protect(ui.calendarPage))
	g.Post("/calendar", ui.protect(ui.changeCalendar))
	g.Get("/password", ui.protect(ui.passwordPage))
	g.Post("/password", ui.protect(ui.changePassword))
	if ui.cfg.Preferences != nil {
		g.Get("/preferences", ui.protect(ui.preferencesPage))
		g.Post("/preferences", ui.protect(ui.savePreferences))
	}

	ui.routeUsers(g)
	ui.routeImport(g)
	ui.routeBulk(g)
	ui.routeClients(g)
	ui.routeContracts(g)
	ui.routeEvents(g)
	ui.routeAccess(g)
	ui.routeWebhooks(g)
	ui.routeNotifications(g)
	ui.routeAPIKeys(g)
	ui.routeChanges(g)
	ui.routeRevert(g)
	ui.routeTypeahead(g)
}

// now returns the current time in UTC.
func (ui *UI) now() time.Time { return ui.cfg.Now().UTC() }
