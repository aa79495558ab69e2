package postgres_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// newActor creates an active user and returns its id.
func newActor(t *testing.T, s *postgres.Store) int64 {
	t.Helper()
	u := &crm.User{Username: "ann", Email: "ann@example.com", Role: crm.RoleSales, IsActive: true,
		DateJoined: time.Now().UTC().Truncate(time.Second), PasswordHash: "$argon2id$hash", AuthVersion: 1}
	require.NoError(t, s.CreateUser(context.Background(), u, nil))
	return u.ID
}

// finder is the store's crm.ActorFinder.
func finder(t *testing.T, s *postgres.Store) crm.ActorFinder {
	t.Helper()
	f, ok := s.Deps().Users.(crm.ActorFinder)
	require.True(t, ok, "the PostgreSQL store's Users must find actors through the cache")
	return f
}

// cached finds the user id, waiting until the listener is up so that the read is kept.
func cached(t *testing.T, s *postgres.Store, id int64) *crm.User {
	t.Helper()
	f := finder(t, s)
	_, err := f.FindActor(context.Background(), id)
	require.NoError(t, err)
	require.Eventually(t, s.ActorCacheUp, 5*time.Second, 5*time.Millisecond, "the listener never came up")
	u, err := f.FindActor(context.Background(), id)
	require.NoError(t, err)
	require.Positive(t, s.ActorCacheLen(), "the user is cached once the listener is up")
	return u
}

// deactivate deactivates the user id through s, as the domain does.
func deactivate(t *testing.T, s *postgres.Store, id int64) {
	t.Helper()
	_, err := s.Deps().Users.UpdateUser(context.Background(), id, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.IsActive = false
		u.AuthVersion++
		return nil, nil
	})
	require.NoError(t, err)
}

func TestActorCacheDropsAChangedUserAtOnce(t *testing.T) {
	s := pgtest.New(t)
	id := newActor(t, s)
	u := cached(t, s, id)
	assert.True(t, u.IsActive)

	deactivate(t, s, id)
	u, err := finder(t, s).FindActor(context.Background(), id)
	require.NoError(t, err)
	assert.False(t, u.IsActive, "the very next lookup sees the deactivation")
	assert.Equal(t, int64(2), u.AuthVersion)
}

func TestActorCacheDropsAUserChangedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	a := pgtest.New(t)
	b, err := postgres.Open(ctx, a.Pool().Config().ConnString())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })

	// a changes the user and b, which has it cached, looks it up right after a's answer.
	for i := range 20 {
		id := newActorNamed(t, a, i)
		if i%2 == 1 {
			cached(t, a, id) // a server authenticating its callers, rather than a one-off command
		}
		cached(t, b, id)
		deactivate(t, a, id)
		u, err := finder(t, b).FindActor(ctx, id)
		require.NoError(t, err)
		require.False(t, u.IsActive, "round %d: the other process sees the deactivation on its very next lookup", i)
	}
}

// newActorNamed creates the i-th active user and returns its id.
func newActorNamed(t *testing.T, s *postgres.Store, i int) int64 {
	t.Helper()
	u := &crm.User{Username: "user" + string(rune('a'+i)), Email: "user" + string(rune('a'+i)) + "@example.com",
		Role: crm.RoleSales, IsActive: true, DateJoined: time.Now().UTC().Truncate(time.Second),
		PasswordHash: "$argon2id$hash", AuthVersion: 1}
	require.NoError(t, s.CreateUser(context.Background(), u, nil))
	return u.ID
}

func TestActorCacheIsBypassedWhileTheListenerIsDown(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	id := newActor(t, s)
	cached(t, s, id)

	// Kill the listening connection: the cache goes down (and empty) until it listens again.
	_, err := s.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'epiccrm-user-cache'`)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !s.ActorCacheUp() }, 5*time.Second, time.Millisecond, "the cache never went down")
	assert.Equal(t, 0, s.ActorCacheLen(), "a cache that is down is empty")

	// A change whose notification nobody hears is still seen, from the database.
	_, err = s.Pool().Exec(ctx, `UPDATE users SET role = 'support' WHERE id = $1`, id)
	require.NoError(t, err)
	u, err := finder(t, s).FindActor(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, crm.RoleSupport, u.Role)
	if !s.ActorCacheUp() {
		assert.Equal(t, 0, s.ActorCacheLen(), "nothing is cached while the listener is down")
	}

	// The listener comes back, and caching resumes.
	require.Eventually(t, s.ActorCacheUp, 10*time.Second, 10*time.Millisecond, "the listener never came back")
	cached(t, s, id)
}

func TestActorCacheStaysOffWithoutTheTrigger(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	id := newActor(t, s)
	_, err := s.Pool().Exec(ctx, `DROP TRIGGER users_notify_change ON users`)
	require.NoError(t, err)
	for range 3 {
		_, err := finder(t, s).FindActor(ctx, id)
		require.NoError(t, err)
	}
	time.Sleep(200 * time.Millisecond)
	assert.False(t, s.ActorCacheUp())
	assert.Equal(t, 0, s.ActorCacheLen())
}

// TestActorCacheWaitsForItsOwnChange sends, while a user is deactivated, acknowledgements of an
// earlier notice about that user (a login's last_login update, answered late): they must not
// let the deactivation answer before every cache has dropped the user.
func TestActorCacheWaitsForItsOwnChange(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	f := finder(t, s)
	stale, busy := make(chan int64), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := range stale {
			// Notices about other users keep the listener busy, so that the stale
			// acknowledgements reach it before the deactivation's own notice.
			_, err := s.Pool().Exec(ctx, `SELECT pg_notify('epiccrm_users', (1000000 + g)::text) FROM generate_series(1, 200) g`)
			assert.NoError(t, err)
			busy <- struct{}{}
			for range 20 {
				_, err := s.Pool().Exec(ctx, `SELECT pg_notify('epiccrm_users_ack', $1)`, strconv.FormatInt(id, 10))
				assert.NoError(t, err)
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	defer func() { close(stale); <-done }()
	for i := range 20 {
		id := newActorNamed(t, s, i)
		cached(t, s, id)
		stale <- id
		<-busy // the stale acknowledgements follow while the deactivation waits
		deactivate(t, s, id)
		u, err := f.FindActor(ctx, id)
		require.NoError(t, err)
		require.False(t, u.IsActive, "round %d: the very next lookup sees the deactivation", i)
	}
}
