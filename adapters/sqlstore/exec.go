package sqlstore

import "context"

// Querier runs statements. A connection pool and a transaction both are one, so the same query
// code runs inside and outside a transaction.
//
// Query and QueryRow return the driver's "no rows" condition as an error that satisfies
// errors.Is(err, sql.ErrNoRows) (pgx.ErrNoRows and database/sql both do).
type Querier interface {
	// Exec runs a statement that returns no rows and reports how many rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a statement that returns rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a statement that returns at most one row; its error shows in Row.Scan.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// DB is a database handle as the Store needs it. Outside a transaction, Query and QueryRow only
// read (an adapter may send them to a pool of read-only connections) and Exec writes one
// statement in its own transaction. Begin starts a write transaction; an adapter must make sure
// that two write transactions never fail each other (SQLite: one writer connection and BEGIN
// IMMEDIATE; PostgreSQL: row locks taken by the Store).
type DB interface {
	Querier
	// Begin starts a write transaction.
	Begin(ctx context.Context) (Tx, error)
}

// Tx is a write transaction.
type Tx interface {
	Querier
	// Commit makes the transaction's writes durable and visible.
	Commit(ctx context.Context) error
	// Rollback discards the transaction's writes. It is called on every error path, so it must
	// be harmless after a failed statement.
	Rollback(ctx context.Context) error
}

// Rows iterates over the rows of a query, like *sql.Rows and pgx.Rows.
type Rows interface {
	// Next advances to the next row and reports whether there is one.
	Next() bool
	// Scan copies the current row's columns into dest.
	Scan(dest ...any) error
	// Err returns the error that ended the iteration, if any.
	Err() error
	// Close releases the rows; it is safe to call more than once.
	Close()
}

// Row is the single row of QueryRow, like *sql.Row and pgx.Row.
type Row interface {
	// Scan copies the row's columns into dest, or returns the query's error.
	Scan(dest ...any) error
}
