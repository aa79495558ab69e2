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
	SearchWindow:         searchWindow,
	SearchKeys:           true,
	OwnerTrigrams:        true,
	FewSupportBelow:      fewSupportBelow,
	Classify:             classify,
}

// fewSupportBelow is how many events a support user must be assigned for their searches to have
// a window (sqlstore.Dialect.FewSupportBelow): fewer are read through the support contact
// index, a few hundred microseconds for a thousand events, where the window walks 10,000.
const fewSupportBelow = 1_000

// searchWindow is how many ids a search sorted by id reads in id order before it asks the
// trigram index for the rest (sqlstore.Dialect.SearchWindow): enough for a page of 50 when one
// row in 200 is a match the caller may read, and a few milliseconds of reading on 1M clients
// (docs/performance.md, "The searches of each role").
const searchWindow = 10_000

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
	lockNotAvailable    = "55P03" // lock_timeout, or NOWAIT
	queryCanceled       = "57014" // statement_timeout, or a cancel request
	classConnection     = "08"    // connection exception
	classResources      = "53"    // insufficient resources (too many connections, disk full)
	classOperator       = "57"    // operator intervention (shutdown, statement timeout)
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
		case lockNotAvailable:
			return sqlstore.KindLocked
		case queryCanceled:
			return sqlstore.KindBusy
		}
		switch pgErr.Code[:2] {
		case classConnection, classResources, classOperator:
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}
	if errors.Is(err, errPoolBusy) {
		return sqlstore.KindBusy
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
