package httpapi

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// ctxOf returns the request's context: its time budget and, once authenticated, its actor.
func ctxOf(c *fiber.Ctx) context.Context { return c.UserContext() }

// pathID returns the :id path parameter, or a 400 when it is not a positive integer.
func pathID(c *fiber.Ctx) (int64, error) {
	raw := c.Params("id")
	id, ok := parseID(raw)
	if !ok {
		return 0, &crm.Error{Code: crm.EMALFORMED, Message: "the id in the path must be a positive integer",
			Fields: []crm.FieldError{{Field: "id", Code: crm.FieldInvalidValue, Message: "must be a positive integer"}}}
	}
	return id, nil
}

// etag returns the entity tag of a record version: the version, quoted.
func etag(version int64) string { return `"` + itoa(version) + `"` }

// ifMatch returns the version an If-Match header asks for: 0 when the header is absent or "*",
// and a 412 when it is not a single strong entity tag from this API.
func ifMatch(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" || h == "*" {
		return 0, nil
	}
	if len(h) >= 3 && h[0] == '"' && h[len(h)-1] == '"' {
		if v, ok := parseID(h[1 : len(h)-1]); ok {
			return v, nil
		}
	}
	return 0, &crm.Error{Code: crm.EPRECONDITION,
		Message: `If-Match must be the ETag of the record as you read it, such as "3"`,
		Fields:  []crm.FieldError{{Field: "If-Match", Code: crm.FieldInvalidValue, Message: "is not an entity tag of this API"}}}
}

// sendJSON writes v as the JSON body of a response with status.
func sendJSON(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return crm.Internal(err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}

// sendRecord writes one record with its ETag.
func sendRecord(c *fiber.Ctx, status int, v any, version int64) error {
	c.Set(fiber.HeaderETag, etag(version))
	return sendJSON(c, status, v)
}

// sendCreated writes a new record with 201, its ETag and its Location (the request's path,
// which is the collection's, followed by the id).
func sendCreated(c *fiber.Ctx, v any, id, version int64) error {
	c.Set(fiber.HeaderLocation, location(c.Path(), id))
	return sendRecord(c, fiber.StatusCreated, v, version)
}

// location returns the URL of the record id created by a POST to the collection at path.
func location(path string, id int64) string { return strings.TrimSuffix(path, "/") + "/" + itoa(id) }

// sendNoContent writes a 204.
func sendNoContent(c *fiber.Ctx) error {
	return c.SendStatus(fiber.StatusNoContent)
}

// page is the body of a list response.
type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// sendPage writes one page of a list; next is "" on the last page, written as null.
func sendPage[T any](c *fiber.Ctx, items []T, next string) error {
	p := page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if next != "" {
		p.NextCursor = &next
	}
	return sendJSON(c, fiber.StatusOK, p)
}

// writeTarget returns the record id of a PUT, PATCH or POST action path and the version its
// If-Match asks for.
func writeTarget(c *fiber.Ctx) (id, version int64, err error) {
	if id, err = pathID(c); err != nil {
		return 0, 0, err
	}
	version, err = ifMatch(c)
	return id, version, err
}

// deleteTarget is writeTarget for a request that takes no body.
func deleteTarget(c *fiber.Ctx) (id, version int64, err error) {
	if id, version, err = writeTarget(c); err != nil {
		return 0, 0, err
	}
	return id, version, decodeNoBody(c)
}
