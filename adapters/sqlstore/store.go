// Package sqlstore implements every store port of the crm package once, in SQL, for both
// databases EpicCRM runs on. The sqlite and postgres packages only open the database, set up
// its connections, name its Dialect and classify its errors; the queries, the visibility scopes,
// the filters, the keyset pagination and the transactions all live here, so that the two stores
// cannot drift apart.
//
// Every value reaches the database as a parameter; the only SQL chosen at run time is the sort
// column, and it comes from a fixed list. The caller's read scope (crm.Visibility) becomes a
// WHERE clause, so that a list and a get can never disagree and no row outside the scope is
// ever fetched.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"github.com/epicevents/epiccrm/crm"
)

// Store implements crm.UserStore, crm.ClientStore, crm.ContractStore, crm.EventStore,
// crm.AuditStore, crm.ChangeLog, crm.LoginThrottle, crm.RefreshTokenStore and crm.SessionStore over a DB. It is
// safe for concurrent use.
type Store struct {
	db        DB
	d         *Dialect
	userReads Querier // FindUser's, when set (see ReserveUserReads)
	// idemPruned is when expired idempotency keys were last deleted (Unix milliseconds).
	idemPruned atomic.Int64
	// ends holds the first and last ids of tables read by tableEnd, by query.
	ends choices[string, int64]
	// eaches holds the choices of supportEach, by table and user.
	eaches choices[eachKey, bool]
	// matches holds the answers of manyMatches.
	matches choices[matchKey, bool]
}

// Compile-time checks that Store implements every store port.
var (
	_ crm.UserStore         = (*Store)(nil)
	_ crm.ClientStore       = (*Store)(nil)
	_ crm.ContractStore     = (*Store)(nil)
	_ crm.EventStore        = (*Store)(nil)
	_ crm.AuditStore        = (*Store)(nil)
	_ crm.ChangeLog         = (*Store)(nil)
	_ crm.LoginThrottle     = (*Store)(nil)
	_ crm.RefreshTokenStore = (*Store)(nil)
	_ crm.SessionStore      = (*Store)(nil)
)

// New returns a Store that runs its queries on db in dialect d. It does no I/O; the schema must
// already be migrated.
func New(db DB, d Dialect) *Store {
	if d.Classify == nil {
		d.Classify = func(error) ErrorKind { return KindOther }
	}
	return &Store{db: db, d: &d}
}

// ReserveUserReads sends the reads of one user by id outside a transaction (FindUser), which
// authenticate every request, to q instead of the DB: a few connections of their own with
// short timeouts, so that authentication never queues behind slow record queries holding every
// connection of the main pool. Call it before the Store is used.
func (s *Store) ReserveUserReads(q Querier) { s.userReads = q }

// Deps returns a crm.Deps with every store port (and the Transactor) set to s. The caller adds the Authorizer and
// the Passwords, which are not the store's business.
func (s *Store) Deps() crm.Deps {
	return crm.Deps{Users: s, Clients: s, Contracts: s, Events: s, Audit: s, Changes: s, Webhooks: s, Throttle: s, Tx: s, APIKeys: s, Reminders: s}
}

// inTx runs fn in a write transaction and commits it, or rolls it back when fn fails or panics.
// It returns fn's error unchanged, so that the errors of a caller's update function reach the
// caller as they were; the Store's own statements classify their errors where they run.
//
// When ctx carries an idempotency claim not yet completed (crm.WithIdempotencyClaim) and fn
// writes a record, the claim's answer is stored in the same transaction, before the commit.
func (s *Store) inTx(ctx context.Context, fn func(tx Tx) error) (err error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return s.fail(err, nil)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	// A write of a Transactor's stores runs in a savepoint of the outer transaction, which may
	// still roll back: it never answers the request's claim (the outer transaction's caller
	// does, once it has committed).
	claim := crm.IdempotencyClaimFrom(ctx)
	_, nested := s.db.(*savepoints)
	var rt *recordingTx
	if claim != nil && !claim.Completed() && !nested {
		rt = &recordingTx{Tx: tx}
		tx = rt
	}
	if err := fn(tx); err != nil {
		return err
	}
	completed := false
	if rt != nil {
		if completed, err = s.completeInTx(ctx, rt, claim); err != nil {
			return err
		}
	}
	done = true
	if err := tx.Commit(ctx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return s.fail(err, nil)
	}
	if completed {
		claim.MarkCompleted()
	}
	return nil
}

// conflicts names what a unique or foreign key violation means for one statement, so that the
// caller learns what is in the way and what to do.
type conflicts struct {
	unique     crm.Text
	foreignKey crm.Text
}

// fail turns a driver error into a crm error: ECONFLICT for a unique or foreign key violation
// (with the message of c) or a lock wait that timed out, EUNAVAILABLE when the database cannot
// be reached, is too busy or the context ran out, EINTERNAL for anything else. A crm error passes unchanged.
func (s *Store) fail(err error, c *conflicts) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	if c == nil {
		c = &conflicts{}
	}
	switch s.d.Classify(err) {
	case KindUnique:
		msg := c.unique
		if msg.Format == "" {
			msg = crm.Textf("this record conflicts with an existing one: change the duplicate value")
		}
		return textError(crm.ECONFLICT, msg, err)
	case KindForeignKey:
		msg := c.foreignKey
		if msg.Format == "" {
			msg = crm.Textf("a record this one refers to, or that refers to it, stands in the way: reload and try again")
		}
		return textError(crm.ECONFLICT, msg, err)
	case KindUnavailable:
		return unavailable(s.d.Name, err)
	case KindLocked:
		return textError(crm.ECONFLICT, crm.Textf("the record is locked by another operation: try again in a moment"), err)
	case KindBusy:
		return textError(crm.EUNAVAILABLE,
			crm.Textf("the %s database is too busy to answer in time: try again in a moment", s.d.Name), err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return unavailable(s.d.Name, err)
	}
	return crm.Internal(err)
}

// unavailable is the error of a database that cannot be reached right now.
func unavailable(name string, err error) error {
	return textError(crm.EUNAVAILABLE, crm.Textf("the %s database is unavailable right now: try again in a moment", name), err)
}

// textError is the error of code whose message is t (kept as its format and arguments, so that
// an adapter can translate it, as crm.Errorf does), caused by err.
func textError(code string, t crm.Text, err error) error {
	return &crm.Error{Code: code, Message: t.String(), Format: t.Format, Args: t.Args, Err: err}
}

// notFound is the ENOTFOUND error of a record that does not exist or is outside the caller's
// scope; the two look the same on purpose. what is the kind of record, a word of the domain.
func notFound(what string, id int64) error {
	return crm.Errorf(crm.ENOTFOUND, "%s %d not found", crm.Resource(what), id)
}

// isNoRows reports whether err says that a query returned no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// exec runs a statement on q, binding its placeholders for the dialect.
func (s *Store) exec(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	return q.Exec(ctx, s.d.bind(query), args...)
}

// query runs a query on q, binding its placeholders for the dialect.
func (s *Store) query(ctx context.Context, q Querier, query string, args ...any) (Rows, error) {
	return q.Query(ctx, s.d.bind(query), args...)
}

// queryRow runs a one-row query on q, binding its placeholders for the dialect.
func (s *Store) queryRow(ctx context.Context, q Querier, query string, args ...any) Row {
	return q.QueryRow(ctx, s.d.bind(query), args...)
}
