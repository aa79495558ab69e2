package crm

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The formats of a Webhook's DisabledReason: set by management, or by the dispatcher (at, for how
// long nothing was delivered, the last error).
const (
	webhookDisabledByManagement  = "disabled by management"
	webhookDisabledAutomatically = "disabled automatically at %s: no delivery succeeded for %s (last error: %s)"
)

// DisabledReasonText reads a DisabledReason back as the Text it was written from, for an adapter
// to translate; a reason in no known form is a Text of its own words.
func DisabledReasonText(reason string) Text {
	if reason == webhookDisabledByManagement {
		return Textf(webhookDisabledByManagement)
	}
	if rest, ok := strings.CutPrefix(reason, "disabled automatically at "); ok {
		at, rest, ok1 := strings.Cut(rest, ": no delivery succeeded for ")
		retry, last, ok2 := strings.Cut(rest, " (last error: ")
		if last, ok3 := strings.CutSuffix(last, ")"); ok1 && ok2 && ok3 {
			return Textf(webhookDisabledAutomatically, at, retry, last)
		}
	}
	return Textf(strings.ReplaceAll(reason, "%", "%%"))
}

// Webhook is an HTTP endpoint that receives the changes of the CRM (see Change), signed as the
// Standard Webhooks specification says. Only management manages webhooks.
type Webhook struct {
	ID     int64    `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Enabled webhooks receive messages. The dispatcher disables a webhook that has failed
	// persistently, saying why in DisabledReason.
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason"`
	CreatedBy      int64     `json:"created_by"`
	DateCreated    time.Time `json:"date_created"`
	DateUpdated    time.Time `json:"date_updated"`
	// Secret is the signing key (WebhookSecretSize random bytes). It is shown once, at creation,
	// in the whsec_ form (see WebhookSecretString), and never again.
	Secret []byte `json:"-"`
}

// WebhookSecretSize is the size of a webhook's signing key in bytes.
const WebhookSecretSize = 32

// WebhookSecretString returns the Standard Webhooks form of a secret: "whsec_" and its base64.
func WebhookSecretString(secret []byte) string {
	return "whsec_" + base64.StdEncoding.EncodeToString(secret)
}

// Receives reports whether the webhook gets a message for the change c: it is enabled,
// subscribed to c's type, and c was made (c.At) no earlier than the webhook's creation. A change
// made before the webhook existed but not yet fanned out is not sent to it.
func (w *Webhook) Receives(c Change) bool {
	if !w.Enabled || c.At.Before(w.DateCreated) {
		return false
	}
	for _, e := range w.Events {
		if e == c.Type {
			return true
		}
	}
	return false
}

// WebhookInput is a webhook's creation or change: unset fields are left as they are.
type WebhookInput struct {
	URL     Opt[string]   `json:"url"`
	Events  Opt[[]string] `json:"events"`
	Enabled Opt[bool]     `json:"enabled"`
}

// WebhookTestType is the type of the test event that SendTestWebhook sends.
const WebhookTestType = "webhook.test"

// The states of a webhook message.
const (
	MessagePending   = "pending"
	MessageDelivered = "delivered"
	MessageFailed    = "failed"
)

// WebhookMessage is one message (a change, or a test event) to one webhook, and its delivery
// state. MsgID is the webhook-id header, the same on every attempt: a change's ID, or "msg_..."
// for a test event.
type WebhookMessage struct {
	ID        int64
	WebhookID int64
	MsgID     string
	Type      string
	Payload   []byte
	Attempts  int // attempts made so far, the claimed one included
	CreatedAt time.Time
	URL       string // the webhook's, when claimed
	Secret    []byte // the webhook's, when claimed
	State     string
}

// WebhookAttempt is one delivery attempt, as the delivery log shows it.
type WebhookAttempt struct {
	ID        int64     `json:"id"`
	WebhookID int64     `json:"webhook_id"`
	MsgID     string    `json:"message_id"`
	Type      string    `json:"type"`
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	// Status is the HTTP status of the response, 0 when there was none.
	Status int `json:"status"`
	// DurationMS is how long the attempt took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Error says why the attempt failed; empty on success.
	Error string `json:"error"`
	// State is the message's state after the attempt: pending (to be retried), delivered or
	// failed (given up).
	State string `json:"state"`
}

// WebhookOutcome is what becomes of a message after an attempt.
type WebhookOutcome struct {
	// State is MessageDelivered, MessagePending (retry at Next) or MessageFailed (given up).
	State string
	Next  time.Time
}

// WebhookStore keeps the webhooks, their messages and the delivery log.
type WebhookStore interface {
	// CreateWebhook inserts w and sets its ID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// FindWebhook returns the webhook with id, or ENOTFOUND.
	FindWebhook(ctx context.Context, id int64) (*Webhook, error)
	// ListWebhooks returns every webhook, by id.
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	// UpdateWebhook writes the URL, events, enabled flag and disabled reason of w, or returns
	// ENOTFOUND.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook deletes the webhook with id, its messages and its log, or returns ENOTFOUND.
	DeleteWebhook(ctx context.Context, id int64) error
	// ListWebhookAttempts returns the newest attempts of a webhook, newest first, at most limit.
	ListWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]WebhookAttempt, error)

	// EnqueueWebhookMessage inserts a pending message due now.
	EnqueueWebhookMessage(ctx context.Context, m *WebhookMessage) error
	// FanOutChanges turns at most limit changes after the fan-out cursor into messages, one per
	// enabled webhook subscribed to the change's type, with the payload payload returns, and
	// moves the cursor past them, in one transaction. Only one caller fans out at a time: the
	// others return 0 at once. It returns how many changes it consumed.
	FanOutChanges(ctx context.Context, limit int, now time.Time, payload func(Change) ([]byte, error)) (int, error)
	// ClaimWebhookMessages claims at most limit pending messages due at now, of enabled
	// webhooks, for one attempt each: it counts the attempt and moves their due time to
	// now+lease, so that no other dispatcher attempts them meanwhile (PostgreSQL: FOR UPDATE
	// SKIP LOCKED).
	ClaimWebhookMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*WebhookMessage, error)
	// FinishWebhookAttempt records an attempt of m in the log and sets m's outcome.
	FinishWebhookAttempt(ctx context.Context, m *WebhookMessage, a WebhookAttempt, o WebhookOutcome) error
	// WebhookDeliveredSince reports whether any attempt to the webhook succeeded at or after t.
	WebhookDeliveredSince(ctx context.Context, webhookID int64, t time.Time) (bool, error)
	// DisableWebhook disables the webhook, saying why.
	DisableWebhook(ctx context.Context, webhookID int64, reason string, now time.Time) error
	// PruneOutbox deletes the changes already fanned out and the finished messages (with their
	// log) older than before, keeping the newest change. It returns how many rows it deleted.
	PruneOutbox(ctx context.Context, before time.Time) (int64, error)
}

// requireManagement returns the actor if they are management, EFORBIDDEN otherwise: only
// management manages webhooks (see docs/permissions.md).
func (s *Service) requireManagement(ctx context.Context) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != RoleManagement {
		return nil, Errorf(EFORBIDDEN, "only management may manage webhooks")
	}
	if s.webhooks == nil {
		return nil, Errorf(EUNAVAILABLE, "this CRM keeps no webhooks (its store has no webhook store)")
	}
	return a, nil
}

// MaxWebhookURL is the longest webhook URL accepted.
const MaxWebhookURL = 2048

// checkWebhook validates a webhook's URL and events, listing every bad field.
func checkWebhook(w *Webhook) error {
	var fields []FieldError
	u, err := url.Parse(w.URL)
	switch {
	case strings.TrimSpace(w.URL) == "":
		fields = append(fields, FieldError{Field: "url", Code: FieldRequired, Message: "is required: give an https:// or http:// URL"})
	case len(w.URL) > MaxWebhookURL:
		fields = append(fields, FieldError{Field: "url", Code: FieldTooLong, Message: "is too long (at most 2048 characters)",
			Args: []string{strconv.Itoa(MaxWebhookURL)}})
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		fields = append(fields, FieldError{Field: "url", Code: FieldInvalidValue, Message: "must be an absolute http:// or https:// URL"})
	case u.User != nil:
		fields = append(fields, FieldError{Field: "url", Code: FieldInvalidValue, Message: "must not contain credentials"})
	case u.Fragment != "":
		fields = append(fields, FieldError{Field: "url", Code: FieldInvalidValue, Message: "must not contain a fragment (#...)"})
	}
	if len(w.Events) == 0 {
		fields = append(fields, FieldError{Field: "events", Code: FieldRequired, Message: "must list at least one change type: " + strings.Join(ChangeTypes, ", ")})
	}
	seen := map[string]bool{}
	for _, e := range w.Events {
		if !ValidChangeType(e) {
			fields = append(fields, FieldError{Field: "events", Code: FieldInvalidChoice, Message: "unknown change type " + e + ": use " + strings.Join(ChangeTypes, ", ")})
			break
		}
		if seen[e] {
			fields = append(fields, FieldError{Field: "events", Code: FieldDuplicate, Message: "lists " + e + " twice"})
			break
		}
		seen[e] = true
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "invalid webhook", Fields: fields}
	}
	return nil
}

// CreateWebhook creates an enabled webhook from in (url and events required) with a new
// secret. The returned webhook carries the secret: show it once (WebhookSecretString).
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	a, err := s.requireManagement(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	w := &Webhook{URL: in.URL.Value, Events: in.Events.Value, Enabled: true, CreatedBy: a.ID, DateCreated: now, DateUpdated: now,
		Secret: make([]byte, WebhookSecretSize)}
	if in.Enabled.Set {
		w.Enabled = in.Enabled.Value
	}
	if err := checkWebhook(w); err != nil {
		return nil, err
	}
	_, _ = rand.Read(w.Secret)
	if err := s.webhooks.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

// ListWebhooks returns every webhook (without secrets), to management.
func (s *Service) ListWebhooks(ctx context.Context) ([]*Webhook, error) {
	if _, err := s.requireManagement(ctx); err != nil {
		return nil, err
	}
	ws, err := s.webhooks.ListWebhooks(ctx)
	for _, w := range ws {
		w.Secret = nil
	}
	return ws, err
}

// GetWebhook returns one webhook (without its secret), to management.
func (s *Service) GetWebhook(ctx context.Context, id int64) (*Webhook, error) {
	if _, err := s.requireManagement(ctx); err != nil {
		return nil, err
	}
	w, err := s.webhooks.FindWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	w.Secret = nil
	return w, nil
}

// UpdateWebhook changes a webhook's URL, events or enabled flag. Enabling a webhook clears its
// disabled reason.
func (s *Service) UpdateWebhook(ctx context.Context, id int64, in WebhookInput) (*Webhook, error) {
	if _, err := s.requireManagement(ctx); err != nil {
		return nil, err
	}
	w, err := s.webhooks.FindWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.URL.Set {
		w.URL = in.URL.Value
	}
	if in.Events.Set {
		w.Events = in.Events.Value
	}
	if in.Enabled.Set {
		if in.Enabled.Value {
			w.DisabledReason = ""
		} else if !w.Enabled || w.DisabledReason == "" {
			w.DisabledReason = Textf(webhookDisabledByManagement).String()
		}
		w.Enabled = in.Enabled.Value
	}
	if err := checkWebhook(w); err != nil {
		return nil, err
	}
	w.DateUpdated = s.clock()
	if err := s.webhooks.UpdateWebhook(ctx, w); err != nil {
		return nil, err
	}
	w.Secret = nil
	return w, nil
}

// DeleteWebhook deletes a webhook with its pending messages and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, id int64) error {
	if _, err := s.requireManagement(ctx); err != nil {
		return err
	}
	return s.webhooks.DeleteWebhook(ctx, id)
}

// DefaultAttemptLimit and MaxAttemptLimit bound the delivery log pages.
const (
	DefaultAttemptLimit = 50
	MaxAttemptLimit     = 500
)

// WebhookDeliveries returns the newest delivery attempts of a webhook (limit 0: 50, at most
// 500), newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, id int64, limit int) ([]WebhookAttempt, error) {
	if _, err := s.requireManagement(ctx); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = DefaultAttemptLimit
	case limit < 0 || limit > MaxAttemptLimit:
		return nil, Errorf(EMALFORMED, "limit must be between 1 and %d", MaxAttemptLimit)
	}
	if _, err := s.webhooks.FindWebhook(ctx, id); err != nil {
		return nil, err
	}
	return s.webhooks.ListWebhookAttempts(ctx, id, limit)
}

// SendTestWebhook queues a test event (type webhook.test) to the webhook; the dispatcher
// delivers it in the background like any message (once the webhook is enabled, if it is not). It returns the message id (the
// webhook-id header of the delivery).
func (s *Service) SendTestWebhook(ctx context.Context, id int64) (string, error) {
	a, err := s.requireManagement(ctx)
	if err != nil {
		return "", err
	}
	if _, err := s.webhooks.FindWebhook(ctx, id); err != nil {
		return "", err
	}
	now := s.clock()
	data, _ := json.Marshal(map[string]any{"webhook_id": id, "sent_by": a.ID,
		"message": "This is a test event from EpicCRM."})
	payload, err := webhookPayload(WebhookTestType, now, data)
	if err != nil {
		return "", err
	}
	m := &WebhookMessage{WebhookID: id, MsgID: NewMessageID("msg"), Type: WebhookTestType, Payload: payload, CreatedAt: now}
	if err := s.webhooks.EnqueueWebhookMessage(ctx, m); err != nil {
		return "", err
	}
	return m.MsgID, nil
}

// webhookPayload is the body of a message: {"type", "timestamp", "data"}.
func webhookPayload(typ string, at time.Time, data json.RawMessage) ([]byte, error) {
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	b, err := json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{typ, at.UTC().Format(time.RFC3339Nano), data})
	if err != nil {
		return nil, Internal(err)
	}
	return b, nil
}

// ChangePayload is the body of the message of a change: its type, its time and, as data, the
// record as the API shows it to management (after the change; the deleted record for a
// delete).
func ChangePayload(c Change) ([]byte, error) {
	data := c.Record
	if isJSONNull(data) {
		data = c.Before
	}
	return webhookPayload(c.Type, c.At, data)
}

func isJSONNull(b json.RawMessage) bool {
	return len(b) == 0 || strings.TrimSpace(string(b)) == "null"
}
