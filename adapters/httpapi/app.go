package httpapi

import (
	"runtime/debug"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// NewApp returns a Fiber app with safe settings, ready for API.Register and the admin UI's
// routes: read, write and idle timeouts; a body limit (413) and a header size limit (431);
// case-sensitive, strict routing, so that /API/v1/users or /api/v1/users/ cannot reach a
// handler by another name; no Server header; the client address taken from ProxyHeader only
// when the peer is one of TrustedProxies; TRACE, CONNECT and unknown methods refused with 405;
// a recovery from panics in any handler; and an error handler that writes every error as
// problem+json without internals (see Config.FallbackErrorHandler for the paths outside the
// API) and logs it with its request id.
func NewApp(cfg Config) *fiber.App {
	cfg = cfg.withDefaults()
	errs := &errorWriter{log: cfg.Logger}
	app := fiber.New(fiber.Config{
		DisableStartupMessage:   true,
		ServerHeader:            "",
		CaseSensitive:           true,
		StrictRouting:           true,
		BodyLimit:               cfg.BodyLimit,
		ReadBufferSize:          cfg.ReadBufferSize,
		ReadTimeout:             cfg.ReadTimeout,
		WriteTimeout:            cfg.WriteTimeout,
		IdleTimeout:             cfg.IdleTimeout,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             cfg.ProxyHeader,
		EnableIPValidation:      true,
		Network:                 fiber.NetworkTCP,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if cfg.FallbackErrorHandler != nil && !isAPIPath(cfg.BasePath, c.Path()) {
				return cfg.FallbackErrorHandler(c, err)
			}
			errs.write(c, err)
			errs.logRequest(c)
			return nil
		},
	})
	app.Use(recoverPanics)
	refuseUnknownMethods(app)
	return app
}

// recoverPanics turns a panic anywhere in the app into an error for the error handler, so that
// one faulty handler fails its request rather than the process.
func recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return c.Next()
}

// refuseUnknownMethods answers TRACE, CONNECT and methods Fiber does not know with 405 through
// the app's error handler; Fiber itself would answer an unknown method with a bare 400.
func refuseUnknownMethods(app *fiber.App) {
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(rc *fasthttp.RequestCtx) {
		switch string(rc.Method()) {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
			fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions:
			next(rc)
			return
		}
		c := app.AcquireCtx(rc)
		defer app.ReleaseCtx(c)
		if err := app.ErrorHandler(c, fiber.ErrMethodNotAllowed); err != nil {
			rc.Error("Method Not Allowed", fiber.StatusMethodNotAllowed)
		}
	}
}

// apiPrefixes are the paths the API serves: errors there are always problem+json.
var apiPrefixes = []string{"/api", "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics"}

// isAPIPath reports whether path is one the API mounted at base serves.
func isAPIPath(base, path string) bool {
	path, ok := strings.CutPrefix(path, base)
	if !ok {
		return false
	}
	for _, p := range apiPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
