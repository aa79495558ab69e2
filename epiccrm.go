// Package epiccrm embeds EpicCRM in a Go program in one call: Open connects to the database,
// applies the migrations, loads the permission policy and the token signing key and builds the
// service; Mount serves the REST API, the admin UI, the API's documents, the JWKS, the health
// probes and the metrics under any prefix of a Fiber app; Close releases the database.
//
//	app, err := epiccrm.Open(ctx, epiccrm.Config{DatabaseURL: "sqlite:crm.db", KeyFile: "crm-key.pem"})
//	if err != nil { ... }
//	defer app.Close()
//	err = app.Mount(host, "/crm") // host is your *fiber.App or a group of it
//
// Go code calls the CRM through app.Service, under the same rules as the API. The package keeps
// no global state: several Apps can live in one process.
//
// The API and the admin UI enforce their own body limit (1 MiB by default) and request
// timeouts, and write their own errors (problem+json for the API, HTML pages for the UI),
// wherever they are mounted. What only the host's server controls, the host must set: a
// fiber.Config.BodyLimit not lower than the CRM's (Fiber's default, 4 MiB, is fine: fasthttp
// refuses a larger body before any handler runs), and read, write and idle timeouts (see
// httpapi.NewApp, which builds an app with all of them).
package epiccrm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// App is an opened CRM: its service, ready to be mounted. Build it with Open and release it
// with Close. It is safe for concurrent use.
type App struct {
	// Service runs every use case of the CRM under the policy's permissions: call it from Go
	// with the acting user in the context (crm.NewContext).
	Service *crm.Service
	// Tokens issues and verifies the REST API's tokens, for a host that logs its users in
	// another way and hands them API tokens. It is nil when Config has no KeyFile or SigningKey.
	Tokens *jwtauth.Issuer

	cfg           Config
	verified      *jwtauth.VerifyCache // the access tokens the API has verified
	store         Store
	ownStore      bool
	policy        *policy.Live
	log           *slog.Logger
	keys          *jwtauth.KeySet
	policySync    *policySync
	feedOnce      sync.Once
	changeFeed    *crm.Feed // the live streams' reader of the change log, see feed
	calendarsOnce sync.Once
	calendars     *crm.Calendars // see calendarFeeds
	reminders     *reminderWorker
	stopUpkeep    func()
	webhooks      *webhookWorker
}

// now returns the current time of the App's clock.
func (a *App) now() time.Time {
	if a.cfg.Now != nil {
		return a.cfg.Now()
	}
	return time.Now()
}

// Open opens the CRM described by cfg: it checks the configuration (the error names every
// missing or wrong setting), opens the database, applies pending migrations unless
// cfg.NoMigrate, checks the schema (refusing one newer than this binary), loads the policy and
// records its fingerprint in the database, loads the signing keys (from the key file, created on
// first start, or from the database with cfg.KeyEncryptionKey) and builds the service. It serves
// nothing: call Mount. On error, nothing is left open.
func Open(ctx context.Context, cfg Config) (_ *App, err error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var kek *jwtauth.KEK
	if cfg.KeyEncryptionKey != "" {
		if kek, err = jwtauth.ParseKEK(cfg.KeyEncryptionKey); err != nil {
			return nil, fmt.Errorf("epiccrm.Config.KeyEncryptionKey: %w", err)
		}
	}
	key := cfg.SigningKey
	if cfg.KeyFile != "" {
		if key, err = jwtauth.LoadOrCreateKey(cfg.KeyFile); err != nil {
			return nil, fmt.Errorf("epiccrm.Config.KeyFile: %w", err)
		}
	}

	a := &App{cfg: cfg, store: cfg.Store, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	authz := cfg.Authorizer
	if authz == nil {
		// The policy follows its file until Close (not only until ctx ends, so that an
		// edit during a graceful shutdown still applies).
		if a.policy, err = policy.Watch(context.WithoutCancel(ctx), cfg.Policy, a.log); err != nil {
			return nil, policyError(cfg.Policy, err)
		}
		authz = a.policy
	}
	if a.store == nil {
		if a.store, err = OpenStore(ctx, cfg.DatabaseURL); err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("epiccrm.Config.DatabaseURL: %w", err)
		}
		a.ownStore = true
	}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if !cfg.NoMigrate {
		if err := a.store.MigrateUp(ctx); err != nil {
			return nil, fmt.Errorf("applying the database migrations: %w", err)
		}
	}
	if err := CheckSchema(a.store); err != nil {
		return nil, err
	}

	deps := a.store.Deps()
	deps.Authorizer = authz
	deps.Passwords = cfg.Passwords
	if deps.Passwords == nil {
		deps.Passwords = password.New(password.Recommended)
	}
	deps.Now = cfg.Now
	deps.Throttling = cfg.Throttling
	if cfg.Deps != nil {
		deps = cfg.Deps(deps)
	}
	if err := deps.Validate(); err != nil {
		return nil, fmt.Errorf("epiccrm: %w", err)
	}
	a.Service = crm.New(deps)

	tcfg := cfg.Tokens
	tcfg.Now = cfg.Now
	switch {
	case key != nil:
		if a.Tokens, err = jwtauth.New(tcfg, key, a.store, a.Service); err != nil {
			return nil, fmt.Errorf("epiccrm.Config.Tokens: %w", err)
		}
	case kek != nil:
		if a.keys, err = a.openKeySet(ctx, kek, tcfg); err != nil {
			return nil, err
		}
		if a.Tokens, err = jwtauth.NewWithKeySet(tcfg, a.keys, a.store, a.Service); err != nil {
			return nil, fmt.Errorf("epiccrm.Config.Tokens: %w", err)
		}
	}
	if a.Tokens != nil {
		a.verified = jwtauth.NewVerifyCache(a.Tokens, 0)
	}
	if err := a.startPolicySync(ctx, authz); err != nil {
		return nil, err
	}
	if err := a.startReminders(); err != nil {
		return nil, err
	}
	if err := a.startWebhooks(deps); err != nil {
		if a.reminders != nil {
			a.reminders.stop()
		}
		return nil, err
	}
	a.startUpkeep()
	return a, nil
}

// policyError says which policy Open refused, and why.
func policyError(file string, err error) error {
	if file == "" {
		return fmt.Errorf("epiccrm: the built-in policy: %w", err)
	}
	return fmt.Errorf("epiccrm.Config.Policy: refusing the policy %s:\n%w", file, err)
}

// Policy returns the live policy the App enforces, which follows its file (Config.Policy) and
// reloads on Reload or a signal given to ReloadOnSignal; nil when Config.Authorizer was given.
func (a *App) Policy() *policy.Live { return a.policy }

// Store returns the database the App runs on.
func (a *App) Store() Store { return a.store }

// Close stops following the policy file and closes the database when Open opened it (a
// Config.Store is left to its opener). Stop serving first: requests still running fail.
// Closing twice does nothing.
func (a *App) Close() error {
	a.closeFeed()
	if a.stopUpkeep != nil {
		a.stopUpkeep()
		a.stopUpkeep = nil
	}
	if a.reminders != nil {
		a.reminders.stop()
		a.reminders = nil
	}
	a.stopWebhooks()
	if a.policySync != nil {
		a.policySync.close()
		a.policySync = nil
	}
	if a.policy != nil {
		_ = a.policy.Close()
	}
	if !a.ownStore {
		return nil
	}
	a.ownStore = false
	return a.store.Close()
}

// Mount serves the CRM on router under prefix ("" or "/" for the router's own root, "/crm"
// otherwise): the REST API at prefix/api/v1, the admin UI at prefix/admin, the OpenAPI document
// and its reference page at prefix/api/openapi.json and prefix/api/docs, the JWKS at
// prefix/.well-known/jwks.json, the probes at prefix/healthz and prefix/readyz and the metrics at
// prefix/metrics, leaving out the parts in Config.Without and without. Every link, redirect,
// cookie path and the OpenAPI servers entry carry the full prefix (the router's own, if it is
// a fiber group, then prefix). Mount may be called for several prefixes.
func (a *App) Mount(router fiber.Router, prefix string, without ...Part) error {
	prefix, err := cleanPrefix(prefix)
	if err != nil {
		return err
	}
	for _, p := range without {
		if err := p.valid(); err != nil {
			return fmt.Errorf("epiccrm.Mount: %w", err)
		}
	}
	omit := append(slices.Clone(a.cfg.Without), without...)
	base := prefix
	if g, ok := router.(*fiber.Group); ok {
		base = httpapi.CleanBasePath(g.Prefix) + prefix
	}
	r := router
	if prefix != "" {
		r = router.Group(prefix)
	}
	var endpoints httpapi.Endpoints
	for p, e := range map[Part]httpapi.Endpoints{PartAPI: httpapi.EndpointsREST, PartDocs: httpapi.EndpointsDocs,
		PartJWKS: httpapi.EndpointsJWKS, PartHealth: httpapi.EndpointsHealth, PartMetrics: httpapi.EndpointsMetrics} {
		if slices.Contains(omit, p) {
			endpoints |= e
		}
	}
	// Build both before registering either, so that a failure mounts nothing.
	var ui *web.UI
	if !slices.Contains(omit, PartAdmin) {
		if ui, err = a.NewAdmin(base); err != nil {
			return err
		}
	}
	var api *httpapi.API
	if endpoints != allEndpoints {
		if api, err = a.NewAPI(base, endpoints); err != nil {
			return err
		}
	}
	if ui != nil {
		ui.Register(r)
	}
	if api != nil {
		api.Register(r)
	}
	return nil
}

// allEndpoints are every group of the API's endpoints.
const allEndpoints = httpapi.EndpointsREST | httpapi.EndpointsDocs | httpapi.EndpointsJWKS | httpapi.EndpointsHealth |
	httpapi.EndpointsMetrics

// NewAPI returns the REST API for a mount at base (the full path prefix it is served under,
// "" for the root), leaving out the endpoints in omit, for a host that registers it itself
// (Mount does both). The REST endpoints and the JWKS need a signing key (Config.KeyFile).
func (a *App) NewAPI(base string, omit httpapi.Endpoints) (*httpapi.API, error) {
	if a.Tokens == nil && omit&(httpapi.EndpointsREST|httpapi.EndpointsJWKS) != httpapi.EndpointsREST|httpapi.EndpointsJWKS {
		return nil, errors.New("epiccrm.Config.KeyFile is empty: the REST API and the JWKS need the key that signs " +
			"access tokens: name its file, such as epiccrm-signing-key.pem (created on first start), set SigningKey " +
			"or KeyEncryptionKey (keys kept in the database), or leave out PartAPI and PartJWKS")
	}
	var tokens httpapi.Tokens
	if a.Tokens != nil {
		tokens = apiTokens{issuer: a.Tokens, verified: a.verified}
	}
	cfg := a.cfg.API
	cfg.Logger = a.log
	cfg.BasePath = base
	cfg.Omit |= omit
	cfg.Collectors = append(slices.Clone(cfg.Collectors), a.store.Collector())
	if cfg.Language == "" {
		cfg.Language = a.cfg.Admin.Language // one default language for the admin UI and /api/docs
	}
	if cfg.Language != "" && !slices.Contains(web.Languages, cfg.Language) {
		return nil, fmt.Errorf("epiccrm.Config: unknown language %q: use one of %s", cfg.Language, strings.Join(web.Languages, ", "))
	}
	if ps, ok := a.store.(crm.PreferenceStore); ok && cfg.Preferences == nil {
		cfg.Preferences = ps // the same preferences as the admin UI's
	}
	if cfg.Idempotency == nil {
		cfg.Idempotency = a.store
	}
	if f := a.feed(); f != nil && (cfg.Stream == nil || cfg.Stream.Feed == nil) {
		var sc httpapi.StreamConfig
		if cfg.Stream != nil {
			sc = *cfg.Stream
		}
		sc.Feed = f
		cfg.Stream = &sc
	}
	if cfg.Calendars == nil && a.calendarFeeds() != nil {
		cfg.Calendars = &httpapi.CalendarConfig{Calendars: a.calendarFeeds()}
	}
	return httpapi.New(cfg, a.Service, tokens, a.store), nil
}

// NewAdmin returns the admin UI for a mount at base (the full path prefix it is served under,
// "" for the root), for a host that registers it itself (Mount does both).
func (a *App) NewAdmin(base string) (*web.UI, error) {
	cfg := a.cfg.Admin
	cfg.Logger = a.log
	cfg.BasePath = base
	if a.cfg.Now != nil {
		cfg.Now = a.cfg.Now
	}
	if ps, ok := a.store.(crm.PreferenceStore); ok && cfg.Preferences == nil {
		cfg.Preferences = ps // both stores keep the users' preferences (migration 0015)
	}
	if cfg.Stream == nil {
		cfg.Stream = a.feed()
	}
	if cfg.Draining == nil {
		cfg.Draining = a.cfg.API.Draining
	}
	if cfg.Calendars == nil {
		cfg.Calendars = a.calendarFeeds()
	}
	ui, err := web.New(cfg, a.Service, a.store)
	if err != nil {
		return nil, fmt.Errorf("epiccrm.Config.Admin: %w", err)
	}
	return ui, nil
}
