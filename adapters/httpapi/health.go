package httpapi

import (
	"context"

	"github.com/gofiber/fiber/v2"
)

// status is the body of /healthz and /readyz.
type status struct {
	Status string `json:"status"`
}

// healthz tells that the process is alive and serving; it checks nothing else, so an
// orchestrator does not restart a healthy process because its database is down.
func (a *API) healthz(c *fiber.Ctx) error {
	return sendJSON(c, fiber.StatusOK, status{Status: "ok"})
}

// readyz tells whether requests can be served: it pings the database within ReadyTimeout and
// answers 503 when it cannot be reached. The cause is logged, never shown.
func (a *API) readyz(c *fiber.Ctx) error {
	if a.db != nil {
		ctx, cancel := context.WithTimeout(ctxOf(c), a.cfg.ReadyTimeout)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			return &statusError{status: fiber.StatusServiceUnavailable, cause: err,
				detail: "the database cannot be reached: try again later"}
		}
	}
	return sendJSON(c, fiber.StatusOK, status{Status: "ok"})
}

// jwks publishes the public keys that verify access tokens, so that other services can check
// them. It may be cached for a few minutes.
func (a *API) jwks(c *fiber.Ctx) error {
	b, err := a.tokens.JWKS()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
