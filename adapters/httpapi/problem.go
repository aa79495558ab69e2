package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/clientip"
	"github.com/gofiber/fiber/v2"
)

// problem is an RFC 9457 problem document, the body of every error response.
type problem struct {
	Type   string           `json:"type"`
	Title  string           `json:"title"`
	Status int              `json:"status"`
	Detail string           `json:"detail"`
	Errors []crm.FieldError `json:"errors"`
}

// problemContentType is the media type of error responses.
const problemContentType = "application/problem+json"

// statusError is an error of the HTTP layer itself, for the statuses the domain has no code for
// (415, 405) or that only the transport knows about. Its detail and fields are caller-safe.
type statusError struct {
	status int
	detail string
	fields []crm.FieldError
	// cause, if set, is logged and never shown.
	cause error
}

func (e *statusError) Error() string {
	s := strconv.Itoa(e.status) + ": " + e.detail
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *statusError) Unwrap() error { return e.cause }

// errStatus returns a statusError.
func errStatus(status int, detail string, fields ...crm.FieldError) error {
	return &statusError{status: status, detail: detail, fields: fields}
}

// codeStatus is the one table from domain error codes to HTTP statuses.
var codeStatus = map[string]int{
	crm.EINVALID:      fiber.StatusUnprocessableEntity,
	crm.EMALFORMED:    fiber.StatusBadRequest,
	crm.ENOTFOUND:     fiber.StatusNotFound,
	crm.EFORBIDDEN:    fiber.StatusForbidden,
	crm.ECONFLICT:     fiber.StatusConflict,
	crm.EPRECONDITION: fiber.StatusPreconditionFailed,
	crm.EUNAUTHORIZED: fiber.StatusUnauthorized,
	crm.ETHROTTLED:    fiber.StatusTooManyRequests,
	crm.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
	crm.EBUSY:         fiber.StatusServiceUnavailable,
	crm.EINTERNAL:     fiber.StatusInternalServerError,
}

// problemTypes names each error status as a problem type, documented on the /api/docs page
// under the anchor "problem-<name>".
var problemTypes = map[int]string{
	400: "malformed",
	401: "unauthorized",
	403: "forbidden",
	404: "not-found",
	405: "method-not-allowed",
	408: "request-timeout",
	409: "conflict",
	412: "precondition-failed",
	413: "body-too-large",
	415: "unsupported-media-type",
	422: "invalid",
	429: "throttled",
	431: "headers-too-large",
	500: "internal",
	503: "unavailable",
}

// problemTypeURI returns the type URI of a status: a link to its description on /api/docs.
func problemTypeURI(status int) string {
	name, ok := problemTypes[status]
	if !ok {
		return "about:blank"
	}
	return "/api/docs#problem-" + name
}

// transportDetail is the caller-safe detail of the errors Fiber and fasthttp raise themselves;
// their own messages are never shown, since some echo raw request data.
var transportDetail = map[int]string{
	400: "the request could not be parsed",
	404: "no such endpoint: see /api/docs for the routes of the API",
	405: "this method is not allowed on this path: see /api/docs for the routes of the API",
	408: "the request took too long to arrive",
	413: "the request body is too large",
	431: "the request headers are too large",
	502: "the connection failed",
	503: "the service is unavailable: try again later",
}

// errorWriter turns any error into a problem response and logs what the caller must not see.
type errorWriter struct {
	log *slog.Logger
}

// write sends err as a problem+json response. A 5xx is logged with its cause and the request
// id; the body says only what is safe.
func (w *errorWriter) write(c *fiber.Ctx, err error) {
	p, retryAfter := toProblem(err)
	id := requestID(c)
	setSecurityHeaders(c)
	if p.Status >= 500 {
		w.log.Error("request failed", slog.String("request_id", id), slog.String("method", c.Method()),
			slog.String("path", c.Path()), slog.Int("status", p.Status), slog.String("cause", err.Error()))
	}
	if p.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="epiccrm"`)
	}
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Response().Header.Del(fiber.HeaderETag)
	c.Response().Header.Del(fiber.HeaderLocation)
	body, _ := json.Marshal(p)
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, problemContentType)
	_ = c.Send(body)
}

// logRequest writes the access log line of a request the API's middleware did not see: one
// refused by the server (413, 431) or outside the API's paths.
func (w *errorWriter) logRequest(c *fiber.Ctx) {
	w.log.Info("request", slog.String("request_id", requestID(c)), slog.String("method", c.Method()),
		slog.String("route", "unmatched"), slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()), slog.String("ip", clientip.Addr(c)))
}

// toProblem maps err to its problem document and, for 429 and a busy 503, the seconds to wait.
func toProblem(err error) (problem, int) {
	var (
		status     int
		detail     string
		fields     []crm.FieldError
		retryAfter int
		se         *statusError
		fe         *fiber.Error
	)
	switch {
	case errors.As(err, &se):
		status, detail, fields = se.status, se.detail, se.fields
	case errors.As(err, &fe):
		status = fe.Code
		detail = transportDetail[status]
		if detail == "" {
			detail = http.StatusText(status)
		}
	case crm.ErrorCode(err) == crm.EINTERNAL && errors.Is(err, context.DeadlineExceeded):
		status, detail = fiber.StatusServiceUnavailable, "the request took too long: try again later"
	default:
		code := crm.ErrorCode(err)
		status = codeStatus[code]
		if status == 0 {
			status = fiber.StatusInternalServerError
		}
		detail, fields = crm.ErrorMessage(err), crm.ErrorFields(err)
		var de *crm.Error
		if (code == crm.ETHROTTLED || code == crm.EBUSY) && errors.As(err, &de) {
			retryAfter = int(math.Ceil(de.RetryAfter.Seconds()))
			if retryAfter < 1 {
				retryAfter = 1
			}
		}
	}
	if status >= 500 && status != fiber.StatusServiceUnavailable {
		detail, fields = "an internal error occurred: it has been logged, quote the X-Request-ID header to get help", nil
	}
	if fields == nil {
		fields = []crm.FieldError{}
	}
	return problem{Type: problemTypeURI(status), Title: http.StatusText(status), Status: status,
		Detail: detail, Errors: fields}, retryAfter
}
