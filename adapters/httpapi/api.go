// Package httpapi is EpicCRM's JSON REST API, on Fiber v2: authentication with JWT access
// tokens and rotating refresh tokens, the users, clients, contracts and events, the audit log,
// and the operational endpoints (/healthz, /readyz, /metrics, the JWKS, the OpenAPI document and
// its rendered reference at /api/docs).
//
// Handlers are thin: they decode the request strictly (an unknown, read-only or mistyped key
// is refused, never ignored), call the crm.Service, and encode its answer. Every rule,
// permissions included, is the domain's. One error writer maps the domain's error codes to
// statuses and writes RFC 9457 problem documents, with no internals in them.
//
// A program builds a safe Fiber app with NewApp (or brings its own), then mounts the API on it:
//
//	app := httpapi.NewApp(cfg)
//	httpapi.New(cfg, svc, issuer, store).Register(app)
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// Pinger is the database as /readyz sees it. A Pinger that also has a Stats() sql.DBStats or a
// Stat() *pgxpool.Stat method gets its connection pool reported on /metrics.
type Pinger interface {
	// Ping returns an error when the database cannot be reached before ctx ends.
	Ping(ctx context.Context) error
}

// API is the REST API. Build it with New and mount it with Register.
type API struct {
	cfg     Config
	svc     *crm.Service
	tokens  *jwtauth.Issuer
	db      Pinger
	log     *slog.Logger
	errs    *errorWriter
	metrics *metrics
	ops     []operation
	openapi []byte
	docs    *docsPage
}

// New returns the API over a service, a token issuer and the database, for /readyz (nil: the
// API is always ready). It does no I/O. It panics when svc or tokens is nil, which is a
// programming error rather than a runtime condition.
func New(cfg Config, svc *crm.Service, tokens *jwtauth.Issuer, db Pinger) *API {
	if svc == nil || tokens == nil {
		panic("httpapi.New: a service and a token issuer are required")
	}
	cfg = cfg.withDefaults()
	a := &API{cfg: cfg, svc: svc, tokens: tokens, db: db, log: cfg.Logger,
		errs: &errorWriter{log: cfg.Logger}, metrics: newMetrics(db, svc.Authorizer())}
	a.ops = a.operations()
	doc, err := json.MarshalIndent(buildOpenAPI(a.ops), "", "  ")
	if err != nil {
		panic("httpapi.New: the OpenAPI document does not encode: " + err.Error())
	}
	a.openapi = doc
	a.docs = newDocsPage(doc)
	return a
}

// Register mounts every route of the API on r, usually the root of a Fiber app: the API under
// /api/v1, its documents under /api, the JWKS under /.well-known and the operational endpoints
// at the root. It also installs, for those paths only, the request id, security headers, access
// log, metrics and error handling, so that the API behaves the same on a host's own app.
func (a *API) Register(r fiber.Router) {
	r.Use(apiPrefixes, a.observe)
	for _, op := range a.ops {
		handlers := []fiber.Handler{markRoute(op.path)}
		if !op.public {
			handlers = append(handlers, a.authenticate)
		}
		if len(op.query) == 0 {
			handlers = append(handlers, refuseQuery)
		}
		handlers = append(handlers, op.handler)
		if op.method == fiber.MethodGet {
			r.Get(op.path, handlers...)
		} else {
			r.Add(op.method, op.path, handlers...)
		}
	}
}

// OpenAPI returns the OpenAPI 3.1 document of the API, as served at /api/openapi.json.
func (a *API) OpenAPI() []byte { return append([]byte(nil), a.openapi...) }

// serveOpenAPI serves the OpenAPI document.
func (a *API) serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(a.openapi)
}
