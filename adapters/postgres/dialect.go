package postgres

import (
	"errors"
	"io"
	"net"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// Dialect is the PostgreSQL dialect of the shared store: $n placeholders, SELECT ... FOR UPDATE
// row locks, native timestamptz and date values.
var Dialect = sqlstore.Dialect{
	Name:                 "PostgreSQL",
	NumberedPlaceholders: true,
	RowLocks:             true,
	KeyLock:              keyLock,
	Classify:             classify,
}

// keyLock takes a transaction-scoped advisory lock on a key's hash, in a space of its own (the
// two-integer form, first integer keyLockSpace), apart from golang-migrate's one-integer lock.
// Two keys with the same hash only wait for each other.
const keyLock = "SELECT pg_advisory_xact_lock(" + keyLockSpace + ", hashtext(?))"

// keyLockSpace is the first integer of the key locks: "EC" (EpicCRM) in ASCII.
const keyLockSpace = "17731"

// SQLSTATE codes and classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	classConnection     = "08" // connection exception
	classResources      = "53" // insufficient resources (too many connections, disk full)
	classOperator       = "57" // operator intervention (shutdown, statement timeout)
)

// classify tells the kind of a driver error by its SQLSTATE code or its Go type.
func classify(err error) sqlstore.ErrorKind {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case uniqueViolation:
			return sqlstore.KindUnique
		case foreignKeyViolation:
			return sqlstore.KindForeignKey
		}
		switch pgErr.Code[:2] {
		case classConnection, classResources, classOperator:
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.Timeout(err), pgconn.SafeToRetry(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, puddle.ErrClosedPool):
		return sqlstore.KindUnavailable
	}
	return sqlstore.KindOther
}
