// Package sse serves a crm.Stream as Server-Sent Events (the WHATWG HTML "server-sent events"
// format), for the REST API's /api/v1/stream and the admin UI's /admin/stream alike:
//
//	id: 42                       the change's Seq: what Last-Event-ID resumes from
//	event: client.updated        the change type, or "removed"
//	data: {"id":7,...}           the record as the subscriber reads it; {"resource":"client","id":7} for removed
//
// A comment line (": keep-alive") is sent every Heartbeat so that proxies keep the connection
// open; a stream that ends says why in a last "end" event whose data is
// {"code":...,"detail":...,"action":"reload"|"reconnect"|"login"}.
package sse

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/epicevents/epiccrm/crm"
)

// MediaType is the media type of an event stream.
const MediaType = "text/event-stream"

// Defaults of Options.
const (
	DefaultHeartbeat = 15 * time.Second
	DefaultCheck     = 5 * time.Second
	// Retry is the reconnection delay the stream asks EventSource clients to wait.
	Retry = 3 * time.Second
)

// Options set how a stream is served. Zero durations take their defaults.
type Options struct {
	// Heartbeat is how often a comment line is sent when nothing else is (default 15s).
	Heartbeat time.Duration
	// Check is how often Recheck and Draining are asked (default 5s).
	Check time.Duration
	// WriteTimeout bounds each write to the client: a client that takes longer to read one is
	// dropped. It replaces the server's write timeout, which would end every stream.
	WriteTimeout time.Duration
	// Draining reports that the process is shutting down: the stream ends (the client
	// reconnects, to another process) so that the graceful shutdown is not held up.
	Draining func() bool
	// Recheck tells whether the subscriber may still stream (token not expired, user still
	// active, same role and password): an error ends the stream with that error.
	Recheck func(ctx context.Context) error
	// Done, when it ends, ends the stream (the host stopping its requests).
	Done <-chan struct{}
	// OnEnd, when set, is told why each stream ended (nil: the client went away).
	OnEnd func(error)
}

func (o Options) withDefaults() Options {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Check <= 0 {
		o.Check = DefaultCheck
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	return o
}

// start sets the response headers of an event stream.
func start(c *fiber.Ctx) {
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, MediaType+"; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
}

// Serve answers c with the stream st until the client goes away, the stream ends, Recheck fails
// or the process drains. ctx carries the subscriber (crm.NewContext) and must not end with the
// request handler: Serve writes the body after the handler returns. Serve closes st.
func Serve(c *fiber.Ctx, ctx context.Context, st *crm.Stream, o Options) {
	o = o.withDefaults()
	start(c)
	rc := c.Context()
	rc.SetBodyStreamWriter(func(w *bufio.Writer) {
		err := pump(ctx, rc, w, st, o)
		if o.OnEnd != nil {
			o.OnEnd(err)
		}
	})
}

// ServeEnd answers c with a stream that only tells why it cannot start, such as
// crm.ErrStreamExpired, so that an EventSource client is told to reload rather than retrying.
func ServeEnd(c *fiber.Ctx, err error) {
	start(c)
	var b []byte
	b = appendRetry(b)
	b = appendEnd(b, err)
	_ = c.Send(b)
}

type result struct {
	item crm.StreamItem
	err  error
}

// pump writes the stream's items, heartbeats and end event to w.
func pump(ctx context.Context, rc *fasthttp.RequestCtx, w *bufio.Writer, st *crm.Stream, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer st.Close()
	items := make(chan result)
	go func() {
		for {
			item, err := st.Next(ctx)
			select {
			case items <- result{item, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return err
		}
		return w.Flush()
	}
	if err := write(appendRetry([]byte(": stream open\n\n"))); err != nil {
		return nil
	}
	heartbeat := time.NewTicker(o.Heartbeat)
	defer heartbeat.Stop()
	check := time.NewTicker(o.Check)
	defer check.Stop()
	var buf []byte
	for {
		var end error
		buf = buf[:0]
		select {
		case r := <-items:
			if r.err != nil {
				end = r.err
				break
			}
			var err error
			if buf, err = appendItem(buf, r.item); err != nil {
				end = crm.Internal(err)
			}
		case <-heartbeat.C:
			buf = append(buf, ": keep-alive\n\n"...)
		case <-check.C:
			switch {
			case o.Draining != nil && o.Draining():
				end = crm.ErrStreamClosed
			case o.Recheck != nil:
				end = o.Recheck(ctx)
			}
		case <-o.Done:
			end = crm.ErrStreamClosed
		}
		if end != nil {
			_ = write(appendEnd(buf, end))
			return end
		}
		if err := write(buf); err != nil {
			return nil // the client went away
		}
	}
}

// appendRetry appends the reconnection delay EventSource clients wait.
func appendRetry(b []byte) []byte {
	return append(strconv.AppendInt(append(b, "retry: "...), Retry.Milliseconds(), 10), "\n\n"...)
}

// appendItem appends one item as an event.
func appendItem(b []byte, item crm.StreamItem) ([]byte, error) {
	var data []byte
	var err error
	if item.Type == crm.StreamRemoved {
		data, err = json.Marshal(struct {
			Resource crm.Resource `json:"resource"`
			ID       int64        `json:"id"`
		}{item.Resource, item.ID})
	} else {
		data, err = json.Marshal(item.Record)
	}
	if err != nil {
		return b, err
	}
	b = strconv.AppendInt(append(b, "id: "...), item.Seq, 10)
	b = append(append(append(b, "\nevent: "...), item.Type...), "\ndata: "...)
	return append(append(b, data...), "\n\n"...), nil
}

// End is the data of the last event of a stream: why it ended and what the client should do.
type End struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	// Action is "reload" (reload what is shown, then open a new stream without a resume
	// point), "reconnect" (open the stream again with Last-Event-ID, after a pause) or "login"
	// (the credentials no longer hold).
	Action string `json:"action"`
}

// EndOf returns the End telling why err ended a stream.
func EndOf(err error) End {
	e := End{Code: crm.ErrorCode(err), Detail: crm.ErrorMessage(err), Action: "reconnect"}
	switch {
	case errors.Is(err, crm.ErrStreamExpired):
		e.Action = "reload"
	case e.Code == crm.EUNAUTHORIZED:
		e.Action = "login"
	}
	return e
}

// appendEnd appends the end event telling why err ended the stream.
func appendEnd(b []byte, err error) []byte {
	data, _ := json.Marshal(EndOf(err))
	b = append(b, "event: end\ndata: "...)
	return append(append(b, data...), "\n\n"...)
}
