package epiccrm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epicevents/epiccrm/adapters/webhook"
	"github.com/epicevents/epiccrm/crm"
)

// WebhookConfig sets up the delivery of webhooks: each App runs a dispatcher in the
// background (started by Open, stopped by Close) that turns the change log into signed HTTP
// messages. Several processes on one PostgreSQL database share the work; on SQLite, run one.
type WebhookConfig struct {
	// Disabled keeps this App from delivering webhooks (another process on the database may).
	// Changes are still recorded, and delivered by the next App that runs a dispatcher.
	Disabled bool
	// AllowPrivate lets webhooks reach private, loopback and link-local addresses, which are
	// refused by default (see package webhook): for tests, or receivers on your own network.
	AllowPrivate bool
	// ConnectTimeout and Timeout bound one attempt's connection and the whole attempt: 5 s and
	// 15 s when 0.
	ConnectTimeout, Timeout time.Duration
	// MaxResponse is how much of a receiver's response is read: 64 KiB when 0.
	MaxResponse int64
	// Workers is how many deliveries run at once in this App: 8 when 0.
	Workers int
	// Poll is how often an idle dispatcher looks for work: 250 ms when 0.
	Poll time.Duration
	// Retention is how long delivered changes and finished messages are kept: 30 days when 0.
	Retention time.Duration
	// RetryBase is the first retry delay (doubled at each attempt, with jitter, up to an
	// hour): 5 s when 0. RetryFor is how long a message is retried: 24 h when 0; a webhook
	// that delivered nothing during that time is then disabled.
	RetryBase, RetryFor time.Duration
	// Sender, when set, sends the messages instead of the HTTP sender (tests).
	Sender crm.WebhookSender
}

// validate returns the errors of the webhook settings.
func (c WebhookConfig) validate() []error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ConnectTimeout", c.ConnectTimeout}, {"Timeout", c.Timeout}, {"Poll", c.Poll}, {"Retention", c.Retention},
		{"RetryBase", c.RetryBase}, {"RetryFor", c.RetryFor}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("webhooks setting %s is negative (%s): give a duration, or 0 for the default", d.name, d.v))
		}
	}
	if c.MaxResponse < 0 || c.Workers < 0 {
		errs = append(errs, errors.New("webhooks settings MaxResponse and Workers must not be negative"))
	}
	return errs
}

// webhookWorker is the App's running dispatcher.
type webhookWorker struct {
	stop context.CancelFunc
	done chan struct{}
}

// startWebhooks starts the dispatcher, unless disabled or the store keeps no webhooks.
func (a *App) startWebhooks(deps crm.Deps) error {
	cfg := a.cfg.Webhooks
	if cfg.Disabled || deps.Webhooks == nil {
		return nil
	}
	sender := cfg.Sender
	timeout := cfg.Timeout
	if sender == nil {
		s := webhook.New(webhook.Config{AllowPrivate: cfg.AllowPrivate, ConnectTimeout: cfg.ConnectTimeout,
			Timeout: cfg.Timeout, MaxResponse: cfg.MaxResponse})
		sender, timeout = s, s.Timeout()
	}
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d, err := crm.NewDispatcher(crm.DispatcherConfig{
		Store: deps.Webhooks, Sender: sender, Now: a.cfg.Now, Logger: a.log, Poll: cfg.Poll, Workers: cfg.Workers,
		Lease: 2*timeout + 30*time.Second, RetryBase: cfg.RetryBase, RetryFor: cfg.RetryFor, Retention: cfg.Retention,
	})
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	w := &webhookWorker{stop: stop, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		d.Run(ctx)
	}()
	a.webhooks = w
	return nil
}

// stopWebhooks stops the dispatcher and waits for its attempts in flight (bounded by the
// sender's timeout).
func (a *App) stopWebhooks() {
	if a.webhooks == nil {
		return
	}
	a.webhooks.stop()
	<-a.webhooks.done
	a.webhooks = nil
}
