package sqlite

import (
	"context"
	"database/sql"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// pool is the sqlstore.DB of a SQLite database: reads on the read-only pool, with their
// statements kept prepared, writes and write transactions on the single writer connection.
type pool struct {
	read   *sql.DB
	reads  *stmtCache // of read
	write  *sql.DB
	health *writeHealth
}

// Exec runs a write on the writer connection.
func (p *pool) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	n, err := execOn(ctx, p.write, query, args)
	p.health.record(err)
	return n, err
}

// Query runs a read on the read pool.
func (p *pool) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	k, err := p.reads.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := k.stmt.QueryContext(ctx, args...)
	if err != nil {
		p.reads.release(k)
		return nil, err
	}
	return &rowsOf{Rows: rows, done: func() { p.reads.release(k) }}, nil
}

// QueryRow runs a one-row read on the read pool.
func (p *pool) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	k, err := p.reads.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return keptRow{row: k.stmt.QueryRowContext(ctx, args...), done: func() { p.reads.release(k) }}
}

// errRow is the row of a read whose statement could not be prepared.
type errRow struct{ err error }

// Scan returns the error.
func (r errRow) Scan(...any) error { return r.err }

// keptRow is the row of a read of a kept statement, which it releases once scanned.
type keptRow struct {
	row  *sql.Row
	done func()
}

// Scan scans the row and releases the statement.
func (r keptRow) Scan(dest ...any) error {
	defer r.done()
	return r.row.Scan(dest...)
}

// Begin starts a write transaction on the writer connection.
func (p *pool) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := p.write.BeginTx(ctx, nil)
	if err != nil {
		p.health.record(err)
		return nil, err
	}
	return &txn{tx: tx, health: p.health}, nil
}

// txn is a write transaction on the writer connection.
type txn struct {
	tx     *sql.Tx
	health *writeHealth
}

// Exec runs a write on the transaction.
func (t *txn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	n, err := execOn(ctx, t.tx, query, args)
	if err != nil {
		t.health.record(err)
	}
	return n, err
}

// Query runs a read on the transaction.
func (t *txn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return queryOn(ctx, t.tx, query, args)
}

// QueryRow runs a one-row read on the transaction.
func (t *txn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

// Commit commits the transaction.
func (t *txn) Commit(context.Context) error {
	err := t.tx.Commit()
	t.health.record(err)
	return err
}

// Rollback rolls the transaction back.
func (t *txn) Rollback(context.Context) error { return t.tx.Rollback() }

// conn is what *sql.DB and *sql.Tx have in common.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// execOn runs a write on c and reports how many rows it affected.
func execOn(ctx context.Context, c conn, query string, args []any) (int64, error) {
	res, err := c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryOn runs a read on c.
func queryOn(ctx context.Context, c conn, query string, args []any) (sqlstore.Rows, error) {
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return &rowsOf{Rows: rows}, nil
}

// rowsOf adapts *sql.Rows to sqlstore.Rows, whose Close returns nothing: the error that matters
// is reported by Err. done, when set, runs at the first Close (releasing a kept statement).
type rowsOf struct {
	*sql.Rows
	done func()
}

// Close releases the rows.
func (r *rowsOf) Close() {
	_ = r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
}
