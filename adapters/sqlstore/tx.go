package sqlstore

import (
	"context"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.Transactor = (*Store)(nil)

// InTx calls fn with store ports that run every read and write in one transaction, and commits
// it when fn returns nil (see crm.Transactor). Each write of those ports, which is a
// transaction of its own on a Store, is a savepoint within the outer transaction: the same
// SQL, SAVEPOINT / RELEASE / ROLLBACK TO on both databases, so a failed write undoes only its
// own statements (PostgreSQL would otherwise refuse every later statement of the transaction).
func (s *Store) InTx(ctx context.Context, fn func(crm.TxStores) error) error {
	return s.inTx(ctx, func(tx Tx) error {
		in := &Store{db: &savepoints{q: tx}, d: s.d}
		return fn(crm.TxStores{Users: in, Clients: in, Contracts: in, Events: in, Audit: in})
	})
}

// savepoints is a DB over an open transaction: its queries run in the transaction, and Begin
// opens a savepoint.
type savepoints struct {
	q Querier
	n int
}

func (p *savepoints) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return p.q.Exec(ctx, query, args...)
}

func (p *savepoints) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return p.q.Query(ctx, query, args...)
}

func (p *savepoints) QueryRow(ctx context.Context, query string, args ...any) Row {
	return p.q.QueryRow(ctx, query, args...)
}

// Begin opens a savepoint, which the returned Tx releases on Commit and rolls back to on
// Rollback.
func (p *savepoints) Begin(ctx context.Context) (Tx, error) {
	p.n++
	sp := &savepoint{Querier: p.q, name: "import_" + strconv.Itoa(p.n)}
	if _, err := p.q.Exec(ctx, "SAVEPOINT "+sp.name); err != nil {
		return nil, err
	}
	return sp, nil
}

// savepoint is a Tx that is a savepoint of an outer transaction.
type savepoint struct {
	Querier
	name string
}

func (sp *savepoint) Commit(ctx context.Context) error {
	_, err := sp.Exec(ctx, "RELEASE SAVEPOINT "+sp.name)
	return err
}

func (sp *savepoint) Rollback(ctx context.Context) error {
	_, err := sp.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp.name)
	return err
}
