package sqlite

import (
	"context"
	"database/sql"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// pool is the sqlstore.DB of a SQLite database: reads on the read-only pool, writes and write
// transactions on the single writer connection.
type pool struct {
	read   *sql.DB
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
	return queryOn(ctx, p.read, query, args)
}

// QueryRow runs a one-row read on the read pool.
func (p *pool) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return p.read.QueryRowContext(ctx, query, args...)
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
	return rowsOf{rows}, nil
}

// rowsOf adapts *sql.Rows to sqlstore.Rows, whose Close returns nothing: the error that matters
// is reported by Err.
type rowsOf struct{ *sql.Rows }

// Close releases the rows.
func (r rowsOf) Close() { _ = r.Rows.Close() }
