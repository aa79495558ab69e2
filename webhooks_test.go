package epiccrm_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/crm/storetest"
)

// verifySignature checks a delivery as a Standard Webhooks receiver does, written from the
// specification (the Go library of standard-webhooks is not served to this build): the
// secret is whsec_ and base64; the signature header lists "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" entries separated by spaces; the timestamp must be within 5 minutes.
func verifySignature(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("bad secret: %w", err)
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s too far from now", ts)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

// TestVerifierMatchesTheSpecVector checks the test's verifier on the specification's own test
// vector, so that the verifier that checks the CRM's signatures is itself right.
func TestVerifierMatchesTheSpecVector(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	now := time.Unix(1614265330, 0)
	require.NoError(t, verifySignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, body, now))
	assert.Error(t, verifySignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, []byte(`{"test": 2432232315}`), now),
		"a changed body fails")
	assert.Error(t, verifySignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, body, now.Add(time.Hour)),
		"an old timestamp fails")
}

// receiver is a webhook endpoint that records what it receives and checks every delivery's
// signature. It counts the attempts of each webhook-id running at once.
type receiver struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	secret string
	status int
	got    map[string]int // deliveries by webhook-id
	inside map[string]int // attempts in progress by webhook-id
	overlaps,
	bad int
	bodies map[string][]byte
	delay  time.Duration
	all    chan string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, status: 200, got: map[string]int{}, inside: map[string]int{}, bodies: map[string][]byte{},
		all: make(chan string, 100_000)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	r.inside[id]++
	if r.inside[id] > 1 {
		r.overlaps++
	}
	secret, status, delay := r.secret, r.status, r.delay
	r.mu.Unlock()
	time.Sleep(delay)
	err := verifySignature(secret, req.Header, body, time.Now())
	r.mu.Lock()
	r.inside[id]--
	if err != nil {
		r.bad++
	}
	if status == 200 {
		r.got[id]++
		r.bodies[id] = body
	}
	r.mu.Unlock()
	if status == 200 {
		r.all <- id
	}
	w.WriteHeader(status)
}

// wait waits for n deliveries and returns their webhook-ids.
func (r *receiver) wait(n int, within time.Duration) []string {
	r.t.Helper()
	var ids []string
	deadline := time.After(within)
	for len(ids) < n {
		select {
		case id := <-r.all:
			ids = append(ids, id)
		case <-deadline:
			r.t.Fatalf("received %d of %d deliveries within %s", len(ids), n, within)
		}
	}
	return ids
}

// fastWebhooks is a webhook configuration for tests: receivers on loopback, quick polls.
func fastWebhooks() epiccrm.WebhookConfig {
	return epiccrm.WebhookConfig{AllowPrivate: true, Poll: 10 * time.Millisecond, RetryBase: 20 * time.Millisecond,
		Timeout: 5 * time.Second}
}

// manager returns a context acting as the bootstrap manager of app.
func manager(t *testing.T, app *epiccrm.App) context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := app.Store().Deps().Users.FindUserByUsername(ctx, "admin")
	require.NoError(t, err)
	return crm.NewContext(ctx, u)
}

// subscribe registers r for events and keeps the secret.
func subscribe(t *testing.T, ctx context.Context, app *epiccrm.App, r *receiver, events ...string) *crm.Webhook {
	t.Helper()
	w, err := app.Service.CreateWebhook(ctx, crm.WebhookInput{URL: crm.Some(r.URL + "/hook"), Events: crm.Some(events)})
	require.NoError(t, err)
	r.mu.Lock()
	r.secret = crm.WebhookSecretString(w.Secret)
	r.mu.Unlock()
	return w
}

func newClient(t *testing.T, ctx context.Context, app *epiccrm.App, n int) *crm.Client {
	t.Helper()
	c, err := app.Service.CreateClient(ctx, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some(fmt.Sprint("Lee", n)),
		Email: crm.Some(fmt.Sprintf("ann%d@example.com", n)), Company: crm.Some("Acme")})
	require.NoError(t, err)
	return c
}

func TestWebhookDeliversSignedChanges(t *testing.T) {
	r := newReceiver(t)
	app := open(t, epiccrm.Config{Webhooks: fastWebhooks()})
	ctx := manager(t, app)
	subscribe(t, ctx, app, r, crm.ChangeClientCreated)
	c := newClient(t, ctx, app, 1)

	ids := r.wait(1, 10*time.Second)
	changes, err := app.Store().Deps().Changes.ChangesAfter(ctx, 0, 100)
	require.NoError(t, err)
	var created crm.Change
	for _, ch := range changes {
		if ch.Type == crm.ChangeClientCreated {
			created = ch
		}
	}
	assert.Equal(t, created.ID, ids[0], "the webhook-id is the change's id")
	var p struct {
		Type      string
		Timestamp time.Time
		Data      crm.Client
	}
	r.mu.Lock()
	require.NoError(t, json.Unmarshal(r.bodies[ids[0]], &p))
	assert.Zero(t, r.bad, "every signature verifies")
	r.mu.Unlock()
	assert.Equal(t, crm.ChangeClientCreated, p.Type)
	assert.Equal(t, c.ID, p.Data.ID)
	assert.Equal(t, c.Email, p.Data.Email)

	log := deliveredLog(t, ctx, app, 1)
	assert.Equal(t, 200, log[0].Status)
	assert.Equal(t, crm.MessageDelivered, log[0].State)
}

// deliveredLog waits until the newest attempt in the webhook's log is a delivery (the receiver
// answers before the dispatcher records it) and returns the log.
func deliveredLog(t *testing.T, ctx context.Context, app *epiccrm.App, id int64) []crm.WebhookAttempt {
	t.Helper()
	var log []crm.WebhookAttempt
	require.Eventually(t, func() bool {
		var err error
		log, err = app.Service.WebhookDeliveries(ctx, id, 0)
		return err == nil && len(log) > 0 && log[0].State == crm.MessageDelivered
	}, 10*time.Second, 10*time.Millisecond, "the delivery shows in the log")
	return log
}

func TestWebhookRetriesWithTheSameID(t *testing.T) {
	r := newReceiver(t)
	r.status = 500
	app := open(t, epiccrm.Config{Webhooks: fastWebhooks()})
	ctx := manager(t, app)
	w := subscribe(t, ctx, app, r, crm.ChangeClientCreated)
	newClient(t, ctx, app, 1)
	require.Eventually(t, func() bool {
		log, err := app.Service.WebhookDeliveries(ctx, w.ID, 0)
		return err == nil && len(log) >= 2
	}, 10*time.Second, 10*time.Millisecond, "failed attempts are retried")
	r.mu.Lock()
	r.status = 200
	r.mu.Unlock()
	id := r.wait(1, 10*time.Second)[0]
	log := deliveredLog(t, ctx, app, w.ID)
	for _, a := range log {
		assert.Equal(t, id, a.MsgID, "every attempt carries the same webhook-id")
	}
	assert.Equal(t, 200, log[0].Status)
	assert.Equal(t, 500, log[len(log)-1].Status)
	assert.Contains(t, log[len(log)-1].Error, "500")
	assert.Greater(t, log[0].Attempt, 1)
}

// dispatchLater opens an App that delivers nothing, on a database of its own. restart closes
// it (as a crash between commit and delivery would) and opens a new App on the same database
// that delivers, with the changes still to fan out and deliver; it returns the last change the
// first App wrote.
func dispatchLater(t *testing.T) (first *epiccrm.App, restart func() crm.Change) {
	t.Helper()
	dir := t.TempDir()
	cfg := epiccrm.Config{DatabaseURL: "sqlite:" + filepath.Join(dir, "crm.db"), KeyFile: filepath.Join(dir, "key.pem"),
		Webhooks: fastWebhooks()}
	cfg.Webhooks.Disabled = true
	first = open(t, cfg)
	return first, func() crm.Change {
		t.Helper()
		changes, err := first.Store().Deps().Changes.ChangesAfter(context.Background(), 0, 100)
		require.NoError(t, err)
		require.NotEmpty(t, changes)
		require.NoError(t, first.Close())
		cfg.Webhooks.Disabled = false
		second, err := epiccrm.Open(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = second.Close() })
		return changes[len(changes)-1]
	}
}

// TestWebhookSurvivesAStopBeforeDispatch writes with an App that delivers nothing, closes it,
// and opens a new App on the same database: the change is delivered, with the id it was
// committed with.
func TestWebhookSurvivesAStopBeforeDispatch(t *testing.T) {
	r := newReceiver(t)
	first, restart := dispatchLater(t)
	ctx := manager(t, first)
	subscribe(t, ctx, first, r, crm.ChangeClientCreated)
	newClient(t, ctx, first, 1)
	select {
	case id := <-r.all:
		t.Fatalf("delivered %s before any dispatcher ran", id)
	default:
	}
	want := restart()
	require.Equal(t, crm.ChangeClientCreated, want.Type)
	ids := r.wait(1, 10*time.Second)
	assert.Equal(t, want.ID, ids[0], "delivered after the restart, with the id it was committed with")
}

// TestWebhookGetsOnlyLaterChanges makes a change while no dispatcher runs, creates a webhook,
// makes another change, then starts a dispatcher: only the change made after the webhook's
// creation reaches it, although both were fanned out together.
func TestWebhookGetsOnlyLaterChanges(t *testing.T) {
	r := newReceiver(t)
	first, restart := dispatchLater(t)
	ctx := manager(t, first)
	newClient(t, ctx, first, 1)
	time.Sleep(time.Millisecond) // the clock moves on between the two writes, as between two requests
	subscribe(t, ctx, first, r, crm.ChangeClientCreated)
	newClient(t, ctx, first, 2)
	want := restart()
	require.Equal(t, crm.ChangeClientCreated, want.Type)
	ids := r.wait(1, 10*time.Second)
	assert.Equal(t, want.ID, ids[0], "the change made after the webhook's creation is delivered")
	time.Sleep(200 * time.Millisecond) // twenty polls of the dispatcher
	select {
	case id := <-r.all:
		t.Fatalf("delivered %s, a change made before the webhook existed", id)
	default:
	}
}

func TestWebhookManagementOnly(t *testing.T) {
	app := open(t, epiccrm.Config{Webhooks: epiccrm.WebhookConfig{Disabled: true}})
	ctx := manager(t, app)
	sales, err := app.Service.CreateUser(ctx, crm.UserInput{Username: crm.Some("sam"), Email: crm.Some("sam@x.test"),
		FirstName: crm.Some("Sam"), LastName: crm.Some("S"), Role: crm.Some(crm.RoleSales), Password: crm.Some("Velvet-Harbor-91")})
	require.NoError(t, err)
	sctx := crm.NewContext(context.Background(), sales)
	_, err = app.Service.CreateWebhook(sctx, crm.WebhookInput{URL: crm.Some("https://example.com/h"), Events: crm.Some([]string{crm.ChangeUserCreated})})
	assert.Equal(t, crm.EFORBIDDEN, crm.ErrorCode(err))
	_, err = app.Service.ListWebhooks(sctx)
	assert.Equal(t, crm.EFORBIDDEN, crm.ErrorCode(err))

	_, err = app.Service.CreateWebhook(ctx, crm.WebhookInput{URL: crm.Some("ftp://example.com"), Events: crm.Some([]string{"nope"})})
	require.Equal(t, crm.EINVALID, crm.ErrorCode(err))
	var ce *crm.Error
	require.ErrorAs(t, err, &ce)
	assert.Len(t, ce.Fields, 2, "the URL and the events are both named")
}

// TestWebhookDispatchersShareABacklog runs three Apps on one PostgreSQL database over a backlog
// of changes: every change is delivered, and no webhook-id is ever attempted twice at once.
func TestWebhookDispatchersShareABacklog(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	if v, err := strconv.Atoi(os.Getenv("EPICCRM_BENCH_BACKLOG")); err == nil && v > 0 {
		n = v // make bench: 10,000
	}
	runBacklog(t, n)
}

func runBacklog(t *testing.T, n int) {
	url := pgtest.MigratedURL(t)
	r := newReceiver(t)
	base := epiccrm.Config{DatabaseURL: url, Webhooks: fastWebhooks()}
	base.Webhooks.Disabled = true
	writer := open(t, base)
	ctx := manager(t, writer)
	subscribe(t, ctx, writer, r, crm.ChangeClientCreated)
	committing := time.Now()
	for i := 0; i < n; i++ {
		newClient(t, ctx, writer, i)
	}
	t.Logf("committed %d writes with their change rows in %s (%.0f/s)", n, time.Since(committing),
		float64(n)/time.Since(committing).Seconds())
	start := time.Now()
	for i := 0; i < 3; i++ {
		cfg := base
		cfg.Webhooks.Disabled = false
		app, err := epiccrm.Open(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = app.Close() })
	}
	ids := r.wait(n, 2*time.Minute)
	t.Logf("3 dispatchers delivered %d messages in %s (%.0f/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "webhook-id %s delivered twice", id)
		seen[id] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	assert.Zero(t, r.overlaps, "no webhook-id attempted twice at once")
	assert.Zero(t, r.bad, "every signature verifies")
}

// BenchmarkOutboxWrite measures what the change row adds to a write: the same client creation
// with an audit entry that announces a change (create: one change row, and on PostgreSQL the
// change log's lock) and with one that announces none (a read entry, which has no change
// type). Run by make bench; compare the ns/op of the two.
func BenchmarkOutboxWrite(b *testing.B) {
	stores := map[string]func(b *testing.B) storetest.Store{
		"sqlite":   func(b *testing.B) storetest.Store { return sqlitetest.New(b) },
		"postgres": func(b *testing.B) storetest.Store { return pgtest.New(b) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		for _, withRow := range []bool{false, true} {
			label := name + "/without-change-row"
			act := crm.ActionRead
			if withRow {
				label, act = name+"/with-change-row", crm.ActionCreate
			}
			b.Run(label, func(b *testing.B) {
				s := stores[name](b)
				ctx := context.Background()
				now := time.Now().UTC().Truncate(time.Microsecond)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c := &crm.Client{FirstName: "Ann", LastName: "Lee", Email: fmt.Sprintf("b%d@example.com", i),
						Status: crm.ClientPotential, DateCreated: now, DateUpdated: now}
					if err := s.CreateClient(ctx, c, []crm.AuditEntry{{At: now, Action: act, Resource: crm.ResourceClient}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
