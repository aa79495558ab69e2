package postgres

import (
	"context"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// db is the sqlstore.DB of a pgx pool. pgx.Rows and pgx.Row already have the shape sqlstore
// wants; only Exec and transactions need adapting.
type db struct{ pool *pgxpool.Pool }

// Exec runs a write on a pooled connection.
func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.pool.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

// Query runs a read on a pooled connection.
func (d *db) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return d.pool.Query(ctx, query, args...)
}

// QueryRow runs a one-row read on a pooled connection.
func (d *db) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return d.pool.QueryRow(ctx, query, args...)
}

// Begin starts a write transaction on a pooled connection.
func (d *db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	t, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &tx{t: t}, nil
}

// tx is a transaction on one pooled connection, in PostgreSQL's default READ COMMITTED
// isolation; the store locks the rows it updates.
type tx struct{ t pgx.Tx }

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

// Commit commits the transaction.
func (t *tx) Commit(ctx context.Context) error { return t.t.Commit(ctx) }

// Rollback rolls the transaction back.
func (t *tx) Rollback(ctx context.Context) error { return t.t.Rollback(ctx) }
