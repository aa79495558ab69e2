package httpapi

import (
	"context"

	"github.com/gofiber/fiber/v2"
)

// status is the body of /healthz.
type status struct {
	Status string `json:"status"`
}

// readiness is the body of /readyz: the status, and the fingerprint of the permission policy in
// force (null when the service's Authorizer has none), so that an operator can tell which policy
// each process applies after an edit.
type readiness struct {
	Status string  `json:"status"`
	Policy *string `json:"policy"`
}

// Fingerprinter is an Authorizer that names the policy it applies, as policy.Policy and
// policy.Live do. When the service's Authorizer is one, /readyz shows its fingerprint and
// /metrics exports it as epiccrm_policy_info{fingerprint="..."} 1; when it is also a
// prometheus.Collector (policy.Live, with its reload counts), its metrics are exported too.
type Fingerprinter interface {
	// Fingerprint returns a short identifier of the effective rules of the policy in force.
	Fingerprint() string
}

// healthz tells that the process is alive and serving; it checks nothing else, so an
// orchestrator does not restart a healthy process because its database is down.
func (a *API) healthz(c *fiber.Ctx) error {
	return sendJSON(c, fiber.StatusOK, status{Status: "ok"})
}

// readyz tells whether requests can be served: it answers 503 once the process is shutting
// down (Config.Draining), pings the database within ReadyTimeout and answers 503 when it cannot
// be reached. The cause is logged, never shown. Its body names the policy in force.
func (a *API) readyz(c *fiber.Ctx) error {
	if a.cfg.Draining != nil && a.cfg.Draining() {
		c.Set(fiber.HeaderRetryAfter, "1")
		return errStatus(fiber.StatusServiceUnavailable, "the server is shutting down: send requests to another instance")
	}
	if a.db != nil {
		ctx, cancel := context.WithTimeout(ctxOf(c), a.cfg.ReadyTimeout)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			return &statusError{status: fiber.StatusServiceUnavailable, cause: err,
				detail: "the database cannot be reached: try again later"}
		}
	}
	body := readiness{Status: "ok"}
	if fp, ok := a.svc.Authorizer().(Fingerprinter); ok {
		body.Policy = new(fp.Fingerprint())
	}
	return sendJSON(c, fiber.StatusOK, body)
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
