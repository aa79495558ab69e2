package main

import (
	"context"
	"net/http"
	neturl "net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
)

// TestBlockedTableDoesNotStarveTheServer locks the clients table in another connection (ACCESS
// EXCLUSIVE: even reads wait) while more list requests than the pool has connections wait for
// it: /me and /readyz still answer at once, and the waiting requests end in 409 "locked by
// another operation" or 503 "too busy" within a few seconds, not at the 30 s request budget.
func TestBlockedTableDoesNotStarveTheServer(t *testing.T) {
	dbURL := pgtest.MigratedURL(t)
	s := startServe(t, dbURL+"?pool_max_conns=2&lock_timeout=60000", "--db-lock-timeout", "2s", "--db-acquire-timeout", "1s")
	token := s.adminToken(t)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "BEGIN; LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)

	const n = 4
	replies := make([]reply, n)
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			replies[i] = send("GET", "http://"+s.addr+"/api/v1/clients", token, "")
			took[i] = time.Since(start)
		}()
	}
	waitForLockWaiters(t, dbURL, 2)

	start := time.Now()
	r := send("GET", "http://"+s.addr+"/api/v1/me", token, "")
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	r = send("GET", "http://"+s.addr+"/readyz", "", "")
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	assert.Less(t, time.Since(start), time.Second, "authentication and readiness queued behind the blocked requests")

	wg.Wait()
	statuses := map[int]int{}
	for i, r := range replies {
		require.NoError(t, r.err)
		statuses[r.status]++
		switch r.status {
		case http.StatusConflict:
			assert.Contains(t, r.body, "the record is locked by another operation: try again in a moment")
		case http.StatusServiceUnavailable:
			assert.Contains(t, r.body, "too busy to answer in time")
		default:
			t.Errorf("request %d: %d %s", i, r.status, r.body)
		}
		assert.Less(t, took[i], 6*time.Second, "request %d waited too long", i)
	}
	assert.Equal(t, 2, statuses[http.StatusConflict], "the two requests that had a connection waited for the lock: %v", statuses)
	assert.Equal(t, 2, statuses[http.StatusServiceUnavailable], "the two others found no free connection: %v", statuses)

	_, err = conn.Exec(ctx, "ROLLBACK")
	require.NoError(t, err)
	r = send("GET", "http://"+s.addr+"/api/v1/clients", token, "")
	assert.Equal(t, http.StatusOK, r.status, r.body)
}

// TestPostgresTimeoutFlags checks how the timeout flags reach the database URL.
func TestPostgresTimeoutFlags(t *testing.T) {
	got, err := pgTimeouts{statement: 10 * time.Second, lock: 1500 * time.Millisecond, acquire: 2 * time.Second}.
		apply("postgres://u@h:5432/crm?lock_timeout=9&sslmode=disable")
	require.NoError(t, err)
	u, err := neturl.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, neturl.Values{"statement_timeout": {"10000"}, "lock_timeout": {"1500"}, "pool_acquire_timeout": {"2s"},
		"sslmode": {"disable"}}, u.Query(), "the flags win over the URL's own settings")

	got, err = pgTimeouts{}.apply("sqlite:crm.db")
	require.NoError(t, err)
	assert.Equal(t, "sqlite:crm.db", got, "no flag, no change")
	_, err = pgTimeouts{lock: time.Second}.apply("sqlite:crm.db")
	assert.ErrorContains(t, err, "PostgreSQL only")
	r := runCmd(t, context.Background(), "", nil, "serve", "--db-lock-timeout", "1s")
	assert.Equal(t, 2, r.code, "the default database is SQLite")
	assert.Contains(t, r.stderr, "PostgreSQL only")
}
