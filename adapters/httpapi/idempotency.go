package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/epicevents/epiccrm/crm"
)

// The Idempotency-Key header (IETF httpapi draft "The Idempotency-Key HTTP Header Field") on
// every authenticated POST of the route table, unless its operation opts out (noIdempotency):
// a retry with the same key, by the same caller, of the same request gets the first answer
// again, marked with Idempotent-Replayed: true, and writes nothing. See docs/decisions.md.
const (
	headerIdempotencyKey   = "Idempotency-Key"
	headerIdempotentReplay = "Idempotent-Replayed"
	// maxIdempotencyKey is the longest key accepted, in bytes.
	maxIdempotencyKey = 255
)

// replayedHeaders are the response headers a stored answer keeps, besides its status and body.
var replayedHeaders = []string{fiber.HeaderLocation, fiber.HeaderETag, fiber.HeaderContentType}

// idempotent reports whether op honours the Idempotency-Key header.
func (op operation) idempotent() bool {
	return op.method == fiber.MethodPost && op.noIdempotency == "" && !op.public
}

// idempotency is the handler, before op's own, that reserves the request's Idempotency-Key,
// replays the answer stored under it, or refuses a key in use by another or a running request.
// On a route whose answer is the record it writes (operation.writesRecord), the write then
// stores its answer with the key in its own transaction (the store completes the claim the
// request's context carries); any other POST (one that writes several records, or none) has the
// answer it sent stored after the handler. A failed request gives its key back, so that its
// retry runs again.
func (a *API) idempotency(op operation) fiber.Handler {
	return func(c *fiber.Ctx) error {
		keys := c.Request().Header.PeekAll(headerIdempotencyKey)
		owner, authed := c.Locals(localUserID).(int64)
		if len(keys) == 0 || a.cfg.Idempotency == nil || !authed {
			return c.Next()
		}
		if len(keys) > 1 {
			return badIdempotencyKey("send one Idempotency-Key header, not several")
		}
		key, err := parseIdempotencyKey(string(keys[0]))
		if err != nil {
			return err
		}
		store := a.cfg.Idempotency
		path := utils.CopyString(c.Path())
		res, err := store.ReserveIdempotencyKey(ctxOf(c), crm.IdempotencyRequest{
			Owner: owner, Key: key, Fingerprint: requestFingerprint(c.Method(), path, c.Body()),
			Now: time.Now(), Lease: a.cfg.IdempotencyLease, TTL: a.cfg.IdempotencyTTL,
		})
		if err != nil {
			return err
		}
		switch res.State {
		case crm.IdempotencyReplay:
			return replay(c, res.Response)
		case crm.IdempotencyMismatch:
			return errStatus(fiber.StatusUnprocessableEntity, "this Idempotency-Key was already used for a different "+
				"request (another method, path or body): send a new key with a new request",
				crm.FieldError{Field: headerIdempotencyKey, Message: "was used for a different request"})
		case crm.IdempotencyInFlight:
			c.Set(fiber.HeaderRetryAfter, "1")
			return errStatus(fiber.StatusConflict, "a request with this Idempotency-Key is still being processed: "+
				"retry once it has finished to get its answer",
				crm.FieldError{Field: headerIdempotencyKey, Message: "is in use by a request still running"})
		}
		claim := res.Claim
		ctx := c.UserContext()
		if op.writesRecord {
			claim.Respond = func(record []byte, id, version int64) crm.IdempotentResponse {
				h := map[string]string{fiber.HeaderContentType: fiber.MIMEApplicationJSONCharsetUTF8}
				if op.etag {
					h[fiber.HeaderETag] = etag(version)
				}
				if op.status == fiber.StatusCreated {
					h[fiber.HeaderLocation] = location(path, id)
				}
				return crm.IdempotentResponse{Status: op.status, Headers: h, Body: record}
			}
			c.SetUserContext(crm.WithIdempotencyClaim(ctx, claim))
		}
		err = c.Next()
		c.SetUserContext(ctx)
		// The request's own context may be over (a timeout): the key is put in order regardless.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ReadyTimeout)
		defer cancel()
		status := c.Response().StatusCode()
		switch {
		case claim.Completed():
		case err != nil || status >= fiber.StatusMultipleChoices:
			if rerr := store.ReleaseIdempotencyKey(bg, claim); rerr != nil {
				a.log.Warn("an idempotency key stays reserved until its lease ends", slog.String("request_id", requestID(c)),
					slog.String("cause", rerr.Error()))
			}
		default:
			resp := crm.IdempotentResponse{Status: status, Headers: map[string]string{},
				Body: bytes.Clone(c.Response().Body())}
			for _, h := range replayedHeaders {
				if v := c.Response().Header.Peek(h); len(v) > 0 {
					resp.Headers[h] = string(v)
				}
			}
			if cerr := store.CompleteIdempotencyKey(bg, claim, resp); cerr != nil {
				a.log.Warn("the answer of an idempotent request was not stored: a retry runs it again",
					slog.String("request_id", requestID(c)), slog.String("cause", cerr.Error()))
			}
		}
		return err
	}
}

// replay sends a stored answer again.
func replay(c *fiber.Ctx, r *crm.IdempotentResponse) error {
	for k, v := range r.Headers {
		c.Set(k, v)
	}
	c.Set(headerIdempotentReplay, "true")
	c.Status(r.Status)
	return c.Send(r.Body)
}

// badIdempotencyKey is the 400 of a malformed Idempotency-Key header.
func badIdempotencyKey(detail string) error {
	return errStatus(fiber.StatusBadRequest, detail,
		crm.FieldError{Field: headerIdempotencyKey, Message: "is malformed"})
}

// parseIdempotencyKey returns the key of an Idempotency-Key header value: a structured-field
// string as the draft writes it ("8e03978e-..."), or the bare text many clients send. The key
// must be 1 to 255 printable ASCII characters.
func parseIdempotencyKey(v string) (string, error) {
	v = strings.Trim(v, " \t")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var b strings.Builder
		inner := v[1 : len(v)-1]
		for i := 0; i < len(inner); i++ {
			ch := inner[i]
			switch {
			case ch == '\\' && i+1 < len(inner) && (inner[i+1] == '"' || inner[i+1] == '\\'):
				i++
				b.WriteByte(inner[i])
			case ch == '\\' || ch == '"':
				return "", badIdempotencyKey(`Idempotency-Key is not a valid quoted string: escape " and \ with a backslash`)
			default:
				b.WriteByte(ch)
			}
		}
		v = b.String()
	}
	switch {
	case v == "":
		return "", badIdempotencyKey("Idempotency-Key is empty: send a unique key, such as a UUID")
	case len(v) > maxIdempotencyKey:
		return "", badIdempotencyKey("Idempotency-Key is longer than 255 characters: send a shorter key, such as a UUID")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", badIdempotencyKey("Idempotency-Key holds a character that is not printable ASCII: use letters, digits and punctuation")
		}
	}
	return v, nil
}

// requestFingerprint identifies a request for its key: its method, path and body. A JSON body is
// taken in a canonical form (keys sorted, no white space), so that a client re-encoding the
// same values is the same request, and without its passwords (see withoutSecrets); any other
// body is taken as it is.
func requestFingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + "\n" + path + "\n"))
	h.Write(canonicalJSON(body))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON returns body re-encoded with its object keys sorted and numbers as written, or
// body unchanged when it is not one JSON value.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	out, err := json.Marshal(withoutSecrets(v))
	if err != nil {
		return body
	}
	return out
}

// withoutSecrets returns v with the value of every "password" member set to null, at any depth
// and in any letter case: the body decoder takes "password" only, but the answer to a body it
// refuses is stored under the key too. A fingerprint is a fast hash kept
// for a day: of a body holding a password, it would let whoever reads the database test
// guesses of the password far faster than its argon2id hash allows. Two requests that differ
// only in a password are then the same request for their key.
func withoutSecrets(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if strings.EqualFold(k, "password") {
				x[k] = nil
				continue
			}
			x[k] = withoutSecrets(e)
		}
	case []any:
		for i, e := range x {
			x[i] = withoutSecrets(e)
		}
	}
	return v
}
