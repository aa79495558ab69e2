package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// userChannel is the channel migration 0010's trigger notifies with the id of each user that
// changes (or '*' when the table is truncated), in the transaction of the change. A process
// that changed a user also notifies it, once committed, with "<id>:<nonce>" (see change).
const userChannel = "epiccrm_users"

// ackChannel is where each listener, having dropped a user, echoes the notification's payload,
// so that the process that changed the user knows every process has dropped it.
const ackChannel = "epiccrm_users_ack"

// listenerName is the application_name of the listening connections, by which a writer counts
// the processes whose acknowledgement it waits for.
const listenerName = "epiccrm-user-cache"

// maxCachedUsers bounds the actor cache; past it, users are read from the database uncached
// until an invalidation empties room.
const maxCachedUsers = 10_000

// actorCache keeps the users acting in requests, so that authenticating a request does not
// read its user from the database each time (crm.ActorFinder). It is only used while a
// dedicated connection LISTENs on userChannel: each notification drops the user at once, and
// while that connection is down (lost, or not yet listening) the cache is bypassed and empty,
// so no change can be missed. A read that raced with a notification is not kept (see gen).
type actorCache struct {
	pool    *pgxpool.Pool
	once    sync.Once          // starts the listener at the first FindActor
	stop    context.CancelFunc // stops the listener
	stopped chan struct{}      // closed when the listener has stopped

	mu      sync.Mutex
	up      bool               // the listener is listening: the cache may be used
	gen     uint64             // counts invalidations and listener state changes
	users   map[int64]crm.User // by id
	acks    map[string]int     // acknowledgements heard of each payload a writer waits for (see change)
	ackSeen chan struct{}      // closed and replaced at each acknowledgement
	upSeen  chan struct{}      // closed and replaced each time the listener comes up
}

// newActorCache returns a cache whose listener, started by the first FindActor (so after the
// migrations ran), connects through pool's settings.
func newActorCache(pool *pgxpool.Pool) *actorCache {
	return &actorCache{pool: pool, users: make(map[int64]crm.User), acks: map[string]int{},
		ackSeen: make(chan struct{}), upSeen: make(chan struct{}), stop: func() {}}
}

// start starts the listener once.
func (c *actorCache) start() {
	c.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		c.mu.Lock()
		c.stop, c.stopped = cancel, make(chan struct{})
		c.mu.Unlock()
		go func() {
			defer close(c.stopped)
			c.listen(ctx)
		}()
	})
}

// close stops the listener, if it was started, and waits for it to end.
func (c *actorCache) close() {
	c.once.Do(func() {}) // no listener starts after this
	c.mu.Lock()
	stop, stopped := c.stop, c.stopped
	c.mu.Unlock()
	stop()
	if stopped != nil {
		<-stopped
	}
}

// get returns the cached user with id, or false and the generation to pass to put.
func (c *actorCache) get(id int64) (*crm.User, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.users[id]; ok && c.up {
		return cloneUser(&u), 0, true
	}
	return nil, c.gen, false
}

// put keeps u, read from the database when the generation was gen, unless the cache was
// invalidated since (the read may predate a change whose notification has been handled).
func (c *actorCache) put(u *crm.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up && c.gen == gen && len(c.users) < maxCachedUsers {
		c.users[u.ID] = *cloneUser(u)
	}
}

// invalidate drops the user named by a notification's payload (an id, "<id>:<nonce>", or "*"
// for all).
func (c *actorCache) invalidate(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	idText, _, _ := strings.Cut(payload, ":")
	if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
		delete(c.users, id)
	} else {
		clear(c.users)
	}
}

// ack counts an acknowledgement of the notification payload, if a writer waits for it.
func (c *actorCache) ack(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, waited := c.acks[payload]; waited {
		c.acks[payload] = n + 1
	}
	close(c.ackSeen)
	c.ackSeen = make(chan struct{})
}

// setUp turns the cache on (up) or off, emptying it either way.
func (c *actorCache) setUp(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.up = up
	clear(c.users)
	if up {
		close(c.upSeen)
		c.upSeen = make(chan struct{})
	}
}

// isUp reports whether the cache is in use, and returns a channel closed when it next comes up.
func (c *actorCache) isUp() (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up, c.upSeen
}

// cloneUser returns a copy of u that shares no memory with it.
func cloneUser(u *crm.User) *crm.User {
	v := *u
	if u.LastLogin != nil {
		t := *u.LastLogin
		v.LastLogin = &t
	}
	return &v
}

// listen keeps a connection of its own LISTENing on userChannel until ctx ends, feeding
// notifications to the cache. When the connection is lost the cache goes down until a new one
// listens again, retried with a growing delay of at most 5 s.
func (c *actorCache) listen(ctx context.Context) {
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := c.listenOnce(ctx)
		c.setUp(false)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("the PostgreSQL listener for user changes stopped; users are read from the database until it is back",
			"error", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// listenOnce connects, LISTENs and handles notifications until the connection fails or ctx
// ends.
func (c *actorCache) listenOnce(ctx context.Context) error {
	cfg := c.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = listenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+userChannel+"; LISTEN "+ackChannel); err != nil {
		return err
	}
	var notifies bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'users_notify_change')`).Scan(&notifies)
	if err != nil {
		return err
	}
	if !notifies {
		return errNoTrigger
	}
	c.setUp(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == ackChannel {
			c.ack(n.Payload)
			continue
		}
		c.invalidate(n.Payload)
		// Tell the writer, which waits for every listener before it answers, that this
		// process no longer holds the user.
		if _, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", ackChannel, n.Payload); err != nil {
			return err
		}
	}
}

// actorUsers is the store's UserStore with crm.ActorFinder: users found through the cache; a
// change to a user answers only once every process's cache has dropped the user (see change).
type actorUsers struct {
	*sqlstore.Store
	cache *actorCache
}

var (
	_ crm.UserStore   = actorUsers{}
	_ crm.ActorFinder = actorUsers{}
)

// FindActor implements crm.ActorFinder.
func (a actorUsers) FindActor(ctx context.Context, id int64) (*crm.User, error) {
	a.cache.start()
	u, gen, ok := a.cache.get(id)
	if ok {
		return u, nil
	}
	u, err := a.FindUser(ctx, id, crm.Everything)
	if err != nil {
		return nil, err
	}
	a.cache.put(u, gen)
	return u, nil
}

// UpdateUser implements crm.UserStore (see change).
func (a actorUsers) UpdateUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) (u *crm.User, err error) {
	err = a.change(ctx, id, func() error {
		u, err = a.Store.UpdateUser(ctx, id, ws, fn)
		return err
	})
	return u, err
}

// DeleteUser implements crm.UserStore (see change).
func (a actorUsers) DeleteUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) error {
	return a.change(ctx, id, func() error { return a.Store.DeleteUser(ctx, id, ws, fn) })
}

// ackWait bounds how long a change to a user waits for the processes' acknowledgements.
const ackWait = 2 * time.Second

// change runs do, a change to the user id, and once it has committed waits until every
// process listening for user changes (this one included) has acknowledged dropping the user
// from its cache, at most ackWait. So when the change is answered, no process serves the old
// user any more: revocation is immediate across processes. The processes are counted, before
// the change, by their listening connections; one whose listener is down bypasses its cache.
//
// The acknowledgements waited for are those of a notification of the change's own, sent once
// it has committed, with a payload no other change has ("<id>:<nonce>"): an acknowledgement of
// an earlier notification about the same user (its login's, say) arriving late cannot pass for
// this change's. Notifications reach each listener in commit order, so a listener that
// acknowledges this one has handled the trigger's notification of the change too.
func (a actorUsers) change(ctx context.Context, id int64, do func() error) error {
	a.cache.start()
	if up, ch := a.cache.isUp(); !up { // a fresh process (a CLI command): hear the acknowledgements
		select {
		case <-ch:
		case <-time.After(ackWait):
		case <-ctx.Done():
		}
	}
	var listeners int
	err := a.cache.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, listenerName).Scan(&listeners)
	if err != nil {
		return do()
	}
	key := strconv.FormatInt(id, 10) + ":" + rand.Text()
	a.cache.await(key)
	defer a.cache.done(key)
	if err := do(); err != nil {
		return err
	}
	if _, err := a.cache.pool.Exec(ctx, "SELECT pg_notify($1, $2)", userChannel, key); err != nil {
		slog.Warn("could not tell the server processes that a user changed; they drop the user when the change's own notice reaches them",
			"user_id", id, "error", err)
		return nil
	}
	timer := time.NewTimer(ackWait)
	defer timer.Stop()
	for {
		got, ch := a.cache.acked(key)
		if got >= listeners {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			slog.Warn("a user change was not acknowledged by every server process in time; one may serve the old user until it notices",
				"user_id", id, "listeners", listeners, "acknowledged", got)
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// await registers a writer waiting for acknowledgements of payload, which is its own (see change).
func (c *actorCache) await(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks[payload] = 0
}

// done unregisters a writer of await.
func (c *actorCache) done(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.acks, payload)
}

// acked returns the acknowledgements of payload so far, and a channel closed at the next one.
func (c *actorCache) acked(payload string) (int, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acks[payload], c.ackSeen
}

// errNoTrigger is why the cache stays off on a schema older than migration 0010.
var errNoTrigger = errors.New("the users table has no change trigger (migration 0010): run 'epiccrm migrate up'")
