package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// errPoolBusy is the error of a statement that found no free connection in the pool within the
// acquire timeout: every connection is taken by slower statements.
var errPoolBusy = errors.New("no free database connection")

// db is the sqlstore.DB of a pgx pool. Each statement first takes a connection from the pool,
// waiting at most acquireTimeout, so that a request never spends its whole time budget queueing
// behind statements that hold every connection; then it runs under the request's context.
//
// The wait is bounded by slots, one per connection of the pool: a statement takes a slot
// before its connection and gives it back with it. While a slot is free, so is a connection
// (or there is room to open one), and the statement takes it at once, under the request's
// context; only when every slot is taken does it wait, with a timer. A timer of its own for
// every statement (context.WithTimeout) cost 3.8 % of the CPU of GET one client
// (docs/performance.md, "What is left, with both caches warm"). Other users of the pool (the
// user cache's acknowledgements, a bulk load) take connections without a slot: a statement
// that finds its slot but no connection then waits under the request's context alone, briefly.
type db struct {
	pool           *pgxpool.Pool
	acquireTimeout time.Duration
	slots          chan struct{}
}

// newDB returns the db of pool, whose statements wait at most acquireTimeout for a connection.
func newDB(pool *pgxpool.Pool, acquireTimeout time.Duration) *db {
	return &db{pool: pool, acquireTimeout: acquireTimeout, slots: make(chan struct{}, pool.Config().MaxConns)}
}

// acquire takes a slot, then a connection from the pool, within the acquire timeout. The
// connection goes back with release.
func (d *db) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	select {
	case d.slots <- struct{}{}:
	default:
		t := time.NewTimer(d.acquireTimeout)
		select {
		case d.slots <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
			return nil, fmt.Errorf("%w within %s (the pool has %d): %w", errPoolBusy, d.acquireTimeout, cap(d.slots),
				context.DeadlineExceeded)
		}
	}
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		<-d.slots
		return nil, err
	}
	return c, nil
}

// release gives c back to the pool, and its slot back.
func (d *db) release(c *pgxpool.Conn) {
	c.Release()
	<-d.slots
}

// Exec runs a write on a pooled connection.
func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer d.release(c)
	tag, err := c.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

// Query runs a read on a pooled connection, which goes back to the pool when the rows are
// closed or read to the end.
func (d *db) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		d.release(c)
		return nil, err
	}
	return &connRows{Rows: rows, release: sync.OnceFunc(func() { d.release(c) })}, nil
}

// QueryRow runs a one-row read on a pooled connection.
func (d *db) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	c, err := d.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &connRow{row: c.QueryRow(ctx, query, args...), d: d, c: c}
}

// Begin starts a write transaction on a pooled connection, which goes back to the pool when
// the transaction ends.
func (d *db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	t, err := c.Begin(ctx)
	if err != nil {
		d.release(c)
		return nil, err
	}
	return &tx{t: t, release: sync.OnceFunc(func() { d.release(c) })}, nil
}

// connRows are the rows of a query; their connection goes back to the pool once they end.
type connRows struct {
	pgx.Rows
	release func()
}

// Next advances to the next row, releasing the connection after the last one.
func (r *connRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.release()
	return false
}

// Close closes the rows and releases the connection.
func (r *connRows) Close() {
	r.Rows.Close()
	r.release()
}

// connRow is the row of QueryRow; its connection goes back to the pool once it is scanned.
type connRow struct {
	row pgx.Row
	d   *db
	c   *pgxpool.Conn
}

// Scan reads the row and releases the connection (once, however often it is called).
func (r *connRow) Scan(dest ...any) error {
	defer func() {
		if r.c != nil {
			r.d.release(r.c)
			r.c = nil
		}
	}()
	return r.row.Scan(dest...)
}

// errRow is the row of a QueryRow that could not run.
type errRow struct{ err error }

// Scan returns the error that kept the query from running.
func (r errRow) Scan(...any) error { return r.err }

// tx is a transaction on one pooled connection, in PostgreSQL's default READ COMMITTED
// isolation; the store locks the rows it updates.
type tx struct {
	t       pgx.Tx
	release func()
}

// Exec runs a write on the transaction.
func (t *tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.t.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

// Query runs a read on the transaction.
func (t *tx) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return t.t.Query(ctx, query, args...)
}

// QueryRow runs a one-row read on the transaction.
func (t *tx) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return t.t.QueryRow(ctx, query, args...)
}

// Commit commits the transaction and releases its connection.
func (t *tx) Commit(ctx context.Context) error {
	defer t.release()
	return t.t.Commit(ctx)
}

// Rollback rolls the transaction back and releases its connection.
func (t *tx) Rollback(ctx context.Context) error {
	defer t.release()
	return t.t.Rollback(ctx)
}
