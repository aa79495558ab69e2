package httpapi

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/sse"
)

// StreamConfig is the live stream of changes the API serves at /api/v1/stream.
type StreamConfig struct {
	// Feed is the process's one reader of the change log.
	Feed *crm.Feed
	// Heartbeat is how often a comment line keeps an idle stream open (default 15s).
	Heartbeat time.Duration
	// Check is how often a stream checks that its token and user still hold and that the
	// process is not draining (default 5s).
	Check time.Duration
	// Done, when it ends, ends every stream (the host stopping; Feed.Close does the same).
	Done <-chan struct{}
}

// streamParams are the query parameters of the stream.
var streamParams = []queryParam{
	{name: "last_event_id", kind: pID, doc: "Resume after this event id (the Seq of the last event received): " +
		"the same as the Last-Event-ID header that EventSource sends when it reconnects, which is also accepted."},
}

// stream serves the changes the caller may see as Server-Sent Events (see package sse).
func (a *API) stream(c *fiber.Ctx) error {
	q, err := parseQuery(c, streamParams)
	if err != nil {
		return err
	}
	cfg := a.cfg.Stream
	if cfg == nil || cfg.Feed == nil {
		return crm.Errorf(crm.EUNAVAILABLE, "the live stream is not enabled on this server (its store keeps no change log)")
	}
	lastID, resume, err := lastEventID(c, q)
	if err != nil {
		return err
	}
	// The stream outlives the handler, and with it the request's time budget.
	ctx := context.WithoutCancel(ctxOf(c))
	st, err := a.svc.OpenStream(ctx, cfg.Feed, lastID, resume)
	if err == crm.ErrStreamExpired {
		sse.ServeEnd(c, err)
		return nil
	}
	if err != nil {
		return err
	}
	token := bearer(c)
	sse.Serve(c, ctx, st, sse.Options{
		Heartbeat: cfg.Heartbeat, Check: cfg.Check, WriteTimeout: a.cfg.WriteTimeout,
		Draining: a.cfg.Draining, Done: cfg.Done,
		Recheck: func(ctx context.Context) error {
			uid, version, err := a.tokens.Verify(ctx, token)
			if err == nil {
				_, err = a.svc.Actor(ctx, uid, version)
			}
			return err
		},
	})
	return nil
}

// lastEventID returns the resume point of a stream: the last_event_id parameter or the
// Last-Event-ID header (the parameter wins), and whether there is one.
func lastEventID(c *fiber.Ctx, q *query) (int64, bool, error) {
	if id, ok := q.values["last_event_id"].(int64); ok {
		return id, true, nil
	}
	h := strings.TrimSpace(c.Get("Last-Event-ID"))
	if h == "" {
		return 0, false, nil
	}
	id, ok := parseID(h)
	if !ok {
		return 0, false, &crm.Error{Code: crm.EMALFORMED, Message: "Last-Event-ID must be the id of an event of this stream",
			Fields: []crm.FieldError{{Field: "Last-Event-ID", Message: "must be a positive integer"}}}
	}
	return id, true, nil
}
