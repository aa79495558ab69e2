package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// lockTable locks table in ACCESS EXCLUSIVE mode, which even reads wait for, in a transaction
// of another connection, until the test ends or the returned function is called.
func lockTable(t *testing.T, url, table string) func() {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "BEGIN; LOCK TABLE "+table+" IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	var once sync.Once
	release := func() { once.Do(func() { _ = conn.Close(ctx) }) }
	t.Cleanup(release)
	return release
}

// waitForLockWaiters waits until n statements of the database of url wait for a lock.
func waitForLockWaiters(t *testing.T, url string, n int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.Eventually(t, func() bool {
		var waiting int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "+
			"AND wait_event_type = 'Lock'").Scan(&waiting)
		return err == nil && waiting >= n
	}, 10*time.Second, 10*time.Millisecond, "the statements never waited for the lock")
}

// TestBlockedTableDoesNotStarveTheRest holds a lock on the clients table in another connection
// while every connection of a pool of 2 waits for it: a third read gives up on the pool within
// pool_acquire_timeout (too busy, 503), the waiting ones give up at lock_timeout with "locked by
// another operation" (409), and meanwhile the reads that authenticate requests and the
// readiness ping, on their reserved connections, answer at once.
func TestBlockedTableDoesNotStarveTheRest(t *testing.T) {
	ctx := context.Background()
	url := pgtest.MigratedURL(t)
	s, err := postgres.Open(ctx, url+"?pool_max_conns=2&lock_timeout=1500&pool_acquire_timeout=300ms")
	require.NoError(t, err)
	defer s.Close()
	release := lockTable(t, url, "clients")

	errs := make([]error, 2)
	took := make([]time.Duration, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			_, _, errs[i] = s.ListClients(ctx, crm.ClientFilter{}, crm.FullAccess)
			took[i] = time.Since(start)
		}()
	}
	waitForLockWaiters(t, url, 2)

	start := time.Now()
	_, _, err = s.ListClients(ctx, crm.ClientFilter{}, crm.FullAccess)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "%v", err)
	assert.Contains(t, crm.ErrorMessage(err), "too busy")
	assert.Less(t, time.Since(start), time.Second, "the wait for a connection is bounded by pool_acquire_timeout")

	start = time.Now()
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "the user read runs on the reserved connections: %v", err)
	require.NoError(t, s.Ping(ctx), "the readiness ping runs on the reserved connections")
	assert.Less(t, time.Since(start), 500*time.Millisecond)

	wg.Wait()
	for i, err := range errs {
		assert.Equal(t, crm.ECONFLICT, crm.ErrorCode(err), "%v", err)
		assert.Equal(t, "the record is locked by another operation: try again in a moment", crm.ErrorMessage(err))
		assert.Less(t, took[i], 3*time.Second, "a lock wait is bounded by lock_timeout")
	}
	release()
	_, _, err = s.ListClients(ctx, crm.ClientFilter{}, crm.FullAccess)
	require.NoError(t, err, "the pool recovers once the lock is gone")
}

// TestStatementTimeout checks that a statement over statement_timeout reads as a busy database
// (503), not as an internal error nor as a database that is down.
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	url := pgtest.MigratedURL(t)
	s, err := postgres.Open(ctx, url+"?lock_timeout=0&statement_timeout=300")
	require.NoError(t, err)
	defer s.Close()
	lockTable(t, url, "events")
	start := time.Now()
	_, _, err = s.ListEvents(ctx, crm.EventFilter{}, crm.FullAccess)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "%v", err)
	assert.Equal(t, "the PostgreSQL database is too busy to answer in time: try again in a moment", crm.ErrorMessage(err))
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestTimeoutDefaults checks the settings a URL without them gets, and that a URL's own win.
func TestTimeoutDefaults(t *testing.T) {
	ctx := context.Background()
	url := pgtest.MigratedURL(t)
	show := func(s *postgres.Store, name string) string {
		var v string
		require.NoError(t, s.Pool().QueryRow(ctx, "SHOW "+name).Scan(&v))
		return v
	}
	s, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	assert.Equal(t, "20s", show(s, "statement_timeout"))
	assert.Equal(t, "5s", show(s, "lock_timeout"))
	s.Close()

	s, err = postgres.Open(ctx, url+"?statement_timeout=7000&lock_timeout=0")
	require.NoError(t, err)
	assert.Equal(t, "7s", show(s, "statement_timeout"))
	assert.Equal(t, "0", show(s, "lock_timeout"))
	s.Close()

	_, err = postgres.Open(ctx, url+"?pool_acquire_timeout=soon")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pool_acquire_timeout")
}
