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
// The API needs a token service (Tokens) and imports no other adapter; package epiccrm wires
// it with the jwtauth adapter and mounts it (App.Mount), which is the usual way in. By hand, a
// program builds a safe Fiber app with NewApp (or brings its own), then mounts the API on it:
//
//	app := httpapi.NewApp(cfg)
//	httpapi.New(cfg, svc, tokens, store).Register(app)
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/i18n"
	"github.com/gofiber/fiber/v2"
)

// Pinger is the database as /readyz sees it. (Its pool statistics reach /metrics through
// Config.Collectors.)
type Pinger interface {
	// Ping returns an error when the database cannot be reached before ctx ends.
	Ping(ctx context.Context) error
}

// API is the REST API. Build it with New and mount it with Register.
type API struct {
	cfg     Config
	svc     *crm.Service
	tokens  Tokens
	db      Pinger
	log     *slog.Logger
	errs    *errorWriter
	metrics *metrics
	ops     []operation
	openapi []byte
	docs    *docsPage
}

// New returns the API over a service, a token service and the database, for /readyz (nil: the
// API is always ready). It does no I/O. It panics when svc is nil, or tokens is nil while the
// REST endpoints or the JWKS are served (see Config.Omit), or Config.Language is not a language
// the API speaks, which are programming errors rather than runtime conditions.
func New(cfg Config, svc *crm.Service, tokens Tokens, db Pinger) *API {
	if svc == nil {
		panic("httpapi.New: a crm.Service is required")
	}
	if tokens == nil && cfg.Omit&(EndpointsREST|EndpointsJWKS) != EndpointsREST|EndpointsJWKS {
		panic("httpapi.New: a Tokens is required, unless Config.Omit leaves out EndpointsREST and EndpointsJWKS")
	}
	cfg = cfg.withDefaults()
	if !i18n.Supported(cfg.Language) {
		panic("httpapi.New: unknown Config.Language " + strconv.Quote(cfg.Language) + ": use one of " +
			strings.Join(i18n.Languages, ", "))
	}
	a := &API{cfg: cfg, svc: svc, tokens: tokens, db: db, log: cfg.Logger,
		errs: &errorWriter{log: cfg.Logger}, metrics: newMetrics(cfg.Collectors, svc.Authorizer())}
	for _, op := range a.operations() {
		if cfg.Omit&endpointsOf(op) == 0 {
			a.ops = append(a.ops, op)
		}
	}
	doc, err := json.MarshalIndent(buildOpenAPI(a.ops, cfg.BasePath), "", "  ")
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
		if op.idempotent() {
			handlers = append(handlers, a.idempotency(op))
		}
		handlers = append(handlers, op.handler)
		if op.method == fiber.MethodGet {
			r.Get(op.path, handlers...)
		} else {
			r.Add(op.method, op.path, handlers...)
		}
	}
}

// endpointsOf returns the group of endpoints op belongs to.
func endpointsOf(op operation) Endpoints {
	switch op.id {
	case "getOpenAPI", "getDocs":
		return EndpointsDocs
	case "getJWKS":
		return EndpointsJWKS
	case "healthz", "readyz":
		return EndpointsHealth
	case "metrics":
		return EndpointsMetrics
	}
	return EndpointsREST
}

// OpenAPI returns the OpenAPI 3.1 document of the API, as served at /api/openapi.json.
func (a *API) OpenAPI() []byte { return append([]byte(nil), a.openapi...) }

// serveOpenAPI serves the OpenAPI document.
func (a *API) serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(a.openapi)
}
