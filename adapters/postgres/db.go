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
type db struct {
	pool           *pgxpool.Pool
	acquireTimeout time.Duration
}

// acquire takes a connection from the pool within the acquire timeout.
func (d *db) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, d.acquireTimeout)
	defer cancel()
	c, err := d.pool.Acquire(actx)
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w within %s (the pool has %d): %w", errPoolBusy, d.acquireTimeout, d.pool.Config().MaxConns, err)
	}
	return c, err
}

// Exec runs a write on a pooled connection.
func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Release()
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
		c.Release()
		return nil, err
	}
	return &connRows{Rows: rows, release: sync.OnceFunc(c.Release)}, nil
}

// QueryRow runs a one-row read on a pooled connection.
func (d *db) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	c, err := d.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &connRow{row: c.QueryRow(ctx, query, args...), release: c.Release}
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
		c.Release()
		return nil, err
	}
	return &tx{t: t, release: sync.OnceFunc(c.Release)}, nil
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
	row     pgx.Row
	release func()
}

// Scan reads the row and releases the connection.
func (r *connRow) Scan(dest ...any) error {
	defer r.release()
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
