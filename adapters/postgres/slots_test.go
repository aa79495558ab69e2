package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
)

// TestStatementsWaitForASlot checks the slots that bound a statement's wait for a connection:
// with every connection taken, a statement gives up after the acquire timeout, or as soon as
// its context ends; a connection given back lets the next one run at once; and every way a
// statement ends (rows read or closed, a row scanned twice, an error, a transaction's end)
// gives its slot back exactly once.
func TestStatementsWaitForASlot(t *testing.T) {
	_, url := pgtest.NewWithURL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url+"?pool_max_conns=2")
	require.NoError(t, err)
	defer pool.Close()
	d := postgres.NewDB(pool, 300*time.Millisecond)

	tx1, err := d.Begin(ctx)
	require.NoError(t, err)
	tx2, err := d.Begin(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, d.SlotsTaken())

	start := time.Now()
	_, err = d.Query(ctx, "SELECT 1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no free database connection within 300ms (the pool has 2)")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	assert.Less(t, time.Since(start), 3*time.Second)

	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	var n int
	err = d.QueryRow(cctx, "SELECT 1").Scan(&n)
	assert.ErrorIs(t, err, context.Canceled, "a cancelled request stops waiting")
	assert.Equal(t, 2, d.SlotsTaken())

	done := make(chan error, 1)
	go func() { done <- d.QueryRow(ctx, "SELECT 2").Scan(&n) }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, tx1.Commit(ctx))
	select {
	case err := <-done:
		require.NoError(t, err, "the slot given back went to the waiting statement")
		assert.Equal(t, 2, n)
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting statement never got the connection given back")
	}
	require.NoError(t, tx2.Rollback(ctx))
	assert.Equal(t, 0, d.SlotsTaken())

	row := d.QueryRow(ctx, "SELECT 3")
	require.NoError(t, row.Scan(&n))
	require.Error(t, row.Scan(&n), "pgx refuses a second scan")
	rows, err := d.Query(ctx, "SELECT generate_series(1, 3)")
	require.NoError(t, err)
	for rows.Next() {
	}
	rows.Close()
	rows, err = d.Query(ctx, "SELECT generate_series(1, 3)")
	require.NoError(t, err)
	rows.Close()
	_, err = d.Query(ctx, "SELECT * FROM no_such_table")
	require.Error(t, err)
	_, err = d.Exec(ctx, "SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, 0, d.SlotsTaken(), "every statement gave its slot back once")

	// Both slots are free again: two transactions run at once.
	tx1, err = d.Begin(ctx)
	require.NoError(t, err)
	tx2, err = d.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, tx1.Rollback(ctx))
	require.NoError(t, tx2.Rollback(ctx))
	assert.Equal(t, 0, d.SlotsTaken())
}
