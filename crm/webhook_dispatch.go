package crm

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// WebhookDelivery is one attempt to deliver a message, as a WebhookSender sends it.
type WebhookDelivery struct {
	MsgID     string    // the webhook-id header: the same on every attempt of the message
	Timestamp time.Time // the webhook-timestamp header: the attempt's time
	URL       string
	Secret    []byte // the signing key
	Payload   []byte // the body
}

// WebhookResult is the outcome of one attempt: the HTTP status (0 when no response came) and
// the error that made it fail, nil for a delivery (a 2xx response).
type WebhookResult struct {
	Status int
	Err    error
}

// WebhookSender sends one signed delivery over HTTP. It never follows redirects and bounds the
// attempt's time and the response it reads.
type WebhookSender interface {
	Send(ctx context.Context, d WebhookDelivery) WebhookResult
}

// DispatcherConfig sets up a Dispatcher. Store and Sender are required; every other field has a
// default.
type DispatcherConfig struct {
	Store  WebhookStore
	Sender WebhookSender
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the dispatcher's failures; nil discards them.
	Logger *slog.Logger
	// Poll is how often an idle dispatcher looks for work: 250 ms when 0.
	Poll time.Duration
	// Workers is how many deliveries run at once: 8 when 0.
	Workers int
	// Lease is how long a claimed attempt is reserved for this dispatcher: no other one takes
	// the message before it ends, and a dispatcher that died mid-attempt leaves it to be retried
	// once it has. It must exceed the Sender's total timeout: 2 minutes when 0.
	Lease time.Duration
	// RetryBase is the first retry delay, doubled at each further attempt (with jitter) up to
	// RetryMax: 5 s and 1 h when 0.
	RetryBase, RetryMax time.Duration
	// RetryFor is how long a message is retried before it is given up: 24 h when 0. A webhook
	// that has delivered nothing during that time is then disabled.
	RetryFor time.Duration
	// Retention is how long delivered changes and finished messages are kept: 30 days when 0.
	Retention time.Duration
}

// Dispatcher delivers the change log to the webhooks: it fans each committed change out into
// one message per subscribed webhook, claims due messages, sends them, and records each
// attempt, retrying failures with exponential backoff and jitter. Several dispatchers may run
// on one database (PostgreSQL): the store's claims keep them from attempting a message twice at
// once.
type Dispatcher struct {
	cfg DispatcherConfig
}

// NewDispatcher returns a Dispatcher with cfg's defaults filled in.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil || cfg.Sender == nil {
		return nil, fmt.Errorf("crm.NewDispatcher: Store and Sender are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Poll, 250*time.Millisecond)
	def(&cfg.Lease, 2*time.Minute)
	def(&cfg.RetryBase, 5*time.Second)
	def(&cfg.RetryMax, time.Hour)
	def(&cfg.RetryFor, 24*time.Hour)
	def(&cfg.Retention, 30*24*time.Hour)
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{cfg: cfg}, nil
}

func (d *Dispatcher) now() time.Time { return d.cfg.Now().UTC().Truncate(time.Microsecond) }

// fanOutBatch is how many changes one fan-out transaction consumes.
const fanOutBatch = 500

// Run dispatches until ctx ends. Failures are logged and retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) {
	pruned := time.Time{}
	for ctx.Err() == nil {
		if d.now().Sub(pruned) > time.Hour {
			if n, err := d.cfg.Store.PruneOutbox(ctx, d.now().Add(-d.cfg.Retention)); err != nil {
				d.cfg.Logger.Error("webhooks: pruning the outbox failed", "error", err)
			} else if n > 0 {
				d.cfg.Logger.Info("webhooks: pruned the outbox", "rows", n)
			}
			pruned = d.now()
		}
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("webhooks: dispatching failed", "error", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.cfg.Poll):
		}
	}
}

// RunOnce fans out the pending changes, then claims and sends one round of due messages (at most
// Workers, at once). It returns how many changes and attempts it handled.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := d.cfg.Store.FanOutChanges(ctx, fanOutBatch, d.now(), ChangePayload)
		total += n
		if err != nil {
			return total, err
		}
		if n < fanOutBatch {
			break
		}
	}
	msgs, err := d.cfg.Store.ClaimWebhookMessages(ctx, d.now(), d.cfg.Lease, d.cfg.Workers)
	if err != nil {
		return total, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.attempt(context.WithoutCancel(ctx), m)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return total + len(msgs), err
		}
	}
	return total + len(msgs), nil
}

// attempt sends one claimed message and records the outcome. It runs to its end even when the
// dispatcher stops: the Sender's timeouts bound it.
func (d *Dispatcher) attempt(ctx context.Context, m *WebhookMessage) error {
	start := d.now()
	res := d.cfg.Sender.Send(ctx, WebhookDelivery{MsgID: m.MsgID, Timestamp: start, URL: m.URL, Secret: m.Secret, Payload: m.Payload})
	end := d.now()
	a := WebhookAttempt{WebhookID: m.WebhookID, MsgID: m.MsgID, Type: m.Type, Attempt: m.Attempts, At: start,
		Status: res.Status, DurationMS: end.Sub(start).Milliseconds()}
	var o WebhookOutcome
	switch {
	case res.Err == nil && res.Status >= 200 && res.Status < 300:
		o.State = MessageDelivered
	case end.Sub(m.CreatedAt) >= d.cfg.RetryFor:
		o.State = MessageFailed
	default:
		o.State, o.Next = MessagePending, end.Add(d.backoff(m.Attempts))
	}
	if o.State != MessageDelivered {
		a.Error = "unexpected response status " + fmt.Sprint(res.Status)
		if res.Err != nil {
			a.Error = res.Err.Error()
		}
	}
	a.State = o.State
	if err := d.cfg.Store.FinishWebhookAttempt(ctx, m, a, o); err != nil {
		return err
	}
	if o.State != MessageFailed {
		return nil
	}
	ok, err := d.cfg.Store.WebhookDeliveredSince(ctx, m.WebhookID, m.CreatedAt)
	if err != nil || ok {
		return err
	}
	reason := Textf(webhookDisabledAutomatically, end.Format(time.RFC3339), d.cfg.RetryFor, a.Error).String()
	d.cfg.Logger.Warn("webhooks: disabling a failing webhook", "webhook", m.WebhookID, "reason", reason)
	return d.cfg.Store.DisableWebhook(ctx, m.WebhookID, reason, end)
}

// backoff is the delay before the attempt that follows attempt n (1 for the first): RetryBase
// doubled n-1 times, at most RetryMax, with "equal jitter" (between half and all of it), so that
// the retries of many messages that failed together spread out.
func (d *Dispatcher) backoff(n int) time.Duration {
	delay := d.cfg.RetryBase
	for i := 1; i < n && delay < d.cfg.RetryMax; i++ {
		delay *= 2
	}
	delay = min(delay, d.cfg.RetryMax)
	half := delay / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}
