package httpapi

import (
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/crm"
)

// Config sets the limits and collaborators of the API and of the Fiber app NewApp builds. The
// zero value is usable: every unset field takes the default documented on it.
type Config struct {
	// ReadTimeout bounds the time to read a whole request, headers and body (default 15s), so a
	// slow client cannot hold a connection open forever.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time to write a response (default 30s).
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection may wait for its next request
	// (default 60s); it also keeps graceful shutdown from waiting on idle clients.
	IdleTimeout time.Duration
	// RequestTimeout is the time budget of one API request, given to the domain and the
	// database through the request's context (default 30s).
	RequestTimeout time.Duration
	// ReadyTimeout bounds the database ping of /readyz (default 2s).
	ReadyTimeout time.Duration
	// Draining, when set, tells that the process is shutting down: while it returns true,
	// /readyz answers 503 without asking the database, so that a load balancer stops sending
	// new requests, while the other endpoints keep serving the requests already on their way.
	Draining func() bool
	// BodyLimit is the largest request body accepted, in bytes (default 1 MiB); a larger body is
	// refused with 413 and a problem document. The API checks it itself, so it holds wherever the
	// API is mounted; a host app's own fiber.Config.BodyLimit must not be lower (Fiber's default,
	// 4 MiB, is not), since fasthttp refuses a body over that one before the API sees it.
	BodyLimit int
	// ReadBufferSize is the per-connection read buffer, which also caps the size of the request
	// line and headers together (default 8 KiB); larger headers are refused with 431.
	ReadBufferSize int
	// TrustedProxies lists the addresses or CIDR ranges of the reverse proxies in front of the
	// server. Only a request from one of them may name the client's address in ProxyHeader;
	// with none (the default) the header is ignored and the peer address is the client's.
	TrustedProxies []string
	// ProxyHeader is the header a trusted proxy puts the client address in (default
	// X-Forwarded-For, only used when TrustedProxies is set). The client address is the
	// right-most entry that is not a trusted proxy (see package clientip), so a client cannot
	// choose it by sending a first entry of its own.
	ProxyHeader string
	// Logger receives the access log and the error log (default: JSON lines on stderr).
	Logger *slog.Logger
	// FallbackErrorHandler, when set, writes the errors of the requests NewApp's app receives
	// outside the API's paths (for example the admin UI's HTML error page). When nil, those
	// errors are written as problem+json like the API's own.
	FallbackErrorHandler fiber.ErrorHandler
	// Collectors are reported on /metrics besides the API's own metrics, such as the database
	// pool's statistics (the stores' Collector method).
	Collectors []prometheus.Collector
	// BasePath is the path the API is mounted under, such as /crm ("" or "/": the root). Register
	// mounts the routes on the router it is given, which must serve this prefix; BasePath is
	// what the API tells the outside world: the OpenAPI document's servers entry, the paths of
	// /api/docs, and the paths NewApp's error handler treats as the API's.
	BasePath string
	// Omit lists the groups of endpoints New leaves out, from the routes and the OpenAPI
	// document alike (none by default).
	Omit Endpoints
	// Idempotency keeps the keys of the Idempotency-Key header of POST requests and their
	// answers (package epiccrm sets the database). Nil: the header is ignored.
	Idempotency crm.IdempotencyStore
	// IdempotencyTTL is how long a key is remembered (default 24h); a key older than that is
	// forgotten, and the database rows of expired keys are deleted.
	IdempotencyTTL time.Duration
	// IdempotencyLease is how long a key stays reserved by a request still running (default
	// 60s, and at least RequestTimeout): the key of a request whose process died is free again
	// after it.
	IdempotencyLease time.Duration
	// Stream is the process's change feed that /api/v1/stream serves (package epiccrm starts
	// one when the store keeps a change log); nil: the stream answers 503.
	Stream *StreamConfig
	// Language is the code of the language (one of i18n.Languages: en or fr) of /api/docs for a
	// request that asks for none the page speaks, with ?lang= or Accept-Language (default en;
	// package epiccrm sets the admin UI's). The API itself speaks English whatever it is.
	Language string
	// Preferences keeps each user's preferences, which /api/v1/me/preferences reads and
	// changes (package epiccrm sets the store); nil: those answer 503.
	Preferences crm.PreferenceStore
	// Calendars are the users' private calendar feeds (/api/v1/me/calendar and
	// /api/v1/calendar/{feed}); nil: those answer 503.
	Calendars *CalendarConfig
}

// Endpoints is a set of groups of the API's endpoints, for Config.Omit.
type Endpoints uint

// The groups of endpoints.
const (
	// EndpointsREST is the REST API under /api/v1.
	EndpointsREST Endpoints = 1 << iota
	// EndpointsDocs is /api/openapi.json and /api/docs.
	EndpointsDocs
	// EndpointsJWKS is /.well-known/jwks.json.
	EndpointsJWKS
	// EndpointsHealth is /healthz and /readyz.
	EndpointsHealth
	// EndpointsMetrics is /metrics.
	EndpointsMetrics
)

// Defaults of Config.
const (
	DefaultReadTimeout      = 15 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultIdleTimeout      = 60 * time.Second
	DefaultRequestTimeout   = 30 * time.Second
	DefaultReadyTimeout     = 2 * time.Second
	DefaultBodyLimit        = 1 << 20
	DefaultReadBufferSize   = 8 << 10
	DefaultIdempotencyTTL   = 24 * time.Hour
	DefaultIdempotencyLease = time.Minute
)

// withDefaults returns cfg with every unset field set to its default.
func (cfg Config) withDefaults() Config {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	setDur(&cfg.ReadTimeout, DefaultReadTimeout)
	setDur(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDur(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDur(&cfg.RequestTimeout, DefaultRequestTimeout)
	setDur(&cfg.ReadyTimeout, DefaultReadyTimeout)
	setDur(&cfg.IdempotencyTTL, DefaultIdempotencyTTL)
	setDur(&cfg.IdempotencyLease, DefaultIdempotencyLease)
	cfg.IdempotencyLease = max(cfg.IdempotencyLease, cfg.RequestTimeout)
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.ReadBufferSize <= 0 {
		cfg.ReadBufferSize = DefaultReadBufferSize
	}
	if len(cfg.TrustedProxies) > 0 && cfg.ProxyHeader == "" {
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	if len(cfg.TrustedProxies) == 0 {
		cfg.ProxyHeader = ""
	}
	cfg.BasePath = CleanBasePath(cfg.BasePath)
	if cfg.Language == "" {
		cfg.Language = docsSourceLanguage
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return cfg
}

// CleanBasePath returns a mount prefix in the one form the API and the admin UI use: "" for the
// root, otherwise a path with a leading slash and none at the end ("crm/" becomes "/crm").
func CleanBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}
