package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/internal/clientip"
	"github.com/epicevents/epiccrm/internal/reqid"
)

// localKey names the values the API keeps in a request's Fiber locals.
type localKey int

const (
	localUserID localKey = iota
	localRoute
)

// requestID returns the id of the request (see package reqid).
func requestID(c *fiber.Ctx) string { return reqid.Get(c) }

// jsonCSP is the Content-Security-Policy of responses that are not meant to be rendered: it
// forbids everything, framing included.
const jsonCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// setSecurityHeaders sets the headers every API response carries. A handler that serves
// something a browser renders (the docs page) replaces the Content-Security-Policy with its own.
func setSecurityHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderContentSecurityPolicy, jsonCSP)
	c.Set(fiber.HeaderCrossOriginResourcePolicy, "same-origin")
	if c.Protocol() == "https" {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
	}
}

// ErrShuttingDown is the cause a host gives when it cancels the context of the requests still
// running because it must stop (context.WithCancelCause on the context it sets with
// fiber.Ctx.SetUserContext before the API's routes): the API answers such a request, when it
// fails, with 503, Retry-After and a problem document saying so, rather than as a database
// failure. A write stopped this way is rolled back, unless the cancellation came while its
// commit was already on its way to the database.
var ErrShuttingDown = errors.New("the server is shutting down")

// panicError is a panic recovered from a handler, with the stack for the log.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v\n%s", p.value, p.stack) }

// observe wraps every API request: it gives it a request id, the security headers and a time
// budget, turns a returned error or a panic into a problem response, then counts the request in
// the metrics and writes one access log line. The log line never holds a header value or a
// body, so no token or password can reach it.
func (a *API) observe(c *fiber.Ctx) error {
	start := time.Now()
	id := requestID(c)
	setSecurityHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), a.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)

	err := a.limitBody(c)
	if err == nil {
		err = recoverPanics(c)
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), ErrShuttingDown) {
			c.Set(fiber.HeaderRetryAfter, "1")
			err = &statusError{status: fiber.StatusServiceUnavailable, cause: err,
				detail: "the server is shutting down and stopped this request before it finished: send it again"}
		}
		a.errs.write(c, err)
	}

	status := c.Response().StatusCode()
	route := routeLabel(c)
	elapsed := time.Since(start)
	a.metrics.observe(c.Method(), route, status, elapsed)
	attrs := []slog.Attr{
		slog.String("request_id", id),
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.String("path", loggedPath(c.Path())),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("ip", clientip.Addr(c)),
	}
	if uid, ok := c.Locals(localUserID).(int64); ok {
		attrs = append(attrs, slog.Int64("user_id", uid))
	}
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	return nil
}

// limitBody refuses a request body over Config.BodyLimit with 413. The limit is the API's own,
// so it holds on a host's Fiber app too, as long as the host's fiber.Config.BodyLimit (4 MiB by
// default) is not lower: fasthttp refuses a body over that one before any handler runs.
func (a *API) limitBody(c *fiber.Ctx) error {
	if n := len(c.Request().Body()); n > a.cfg.BodyLimit {
		return errStatus(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body is %d bytes, over the limit of %d bytes", n, a.cfg.BodyLimit))
	}
	return nil
}

// markRoute is the first handler of each route: it records the route's template for the
// metrics and the access log.
func markRoute(path string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localRoute, path)
		return c.Next()
	}
}

// routeLabel returns the route template that served the request (such as
// /api/v1/clients/:id), or "unmatched" when no route did, so that metrics stay bounded.
func routeLabel(c *fiber.Ctx) string {
	if r, ok := c.Locals(localRoute).(string); ok {
		return r
	}
	return "unmatched"
}
