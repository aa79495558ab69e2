package httpapi

import (
	"bytes"
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
// requests whose body framing an intermediary could read otherwise refused (see
// refuseAmbiguousFraming); a recovery from panics in any handler; and an error handler that writes every error as
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
			if cfg.FallbackErrorHandler != nil && !isAPIPath(c.Path()) {
				return cfg.FallbackErrorHandler(c, err)
			}
			errs.write(c, err)
			errs.logRequest(c)
			return nil
		},
	})
	app.Use(recoverPanics)
	refuseUnknownMethods(app)
	refuseAmbiguousFraming(app)
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

// refuseAmbiguousFraming answers 400 and closes the connection for a request whose
// Transfer-Encoding is anything but one "chunked" (RFC 9112 section 6.3: a request whose final
// transfer coding is not chunked has no reliable length). fasthttp refuses most of these itself
// (unknown codings, a list, repeated headers, HTTP/1.0, and it closes the connection after a
// request with both Content-Length and Transfer-Encoding), but it still takes "identity", which
// RFC 9112 no longer defines, as a body-less request and would read the body as the next
// request. The raw headers are read, since fasthttp drops Transfer-Encoding from the parsed
// ones.
func refuseAmbiguousFraming(app *fiber.App) {
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(rc *fasthttp.RequestCtx) {
		if framingIsSafe(rc.Request.Header.RawHeaders()) {
			next(rc)
			return
		}
		rc.SetConnectionClose()
		c := app.AcquireCtx(rc)
		defer app.ReleaseCtx(c)
		err := &statusError{status: fiber.StatusBadRequest,
			detail: "unsupported Transfer-Encoding: send the body with Content-Length or with Transfer-Encoding: chunked alone"}
		if err := app.ErrorHandler(c, err); err != nil {
			rc.Error("Bad Request", fiber.StatusBadRequest)
		}
	}
}

// framingIsSafe reports whether the raw header block of a request has at most one
// Transfer-Encoding field, whose value is chunked.
func framingIsSafe(raw []byte) bool {
	seen := false
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte(fiber.HeaderTransferEncoding)) {
			continue
		}
		if seen || !bytes.EqualFold(bytes.TrimSpace(value), []byte("chunked")) {
			return false
		}
		seen = true
	}
	return true
}

// apiPrefixes are the paths the API serves: errors there are always problem+json.
var apiPrefixes = []string{"/api", "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics"}

// isAPIPath reports whether path is one the API serves.
func isAPIPath(path string) bool {
	for _, p := range apiPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
