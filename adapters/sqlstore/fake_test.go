package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// call is one statement a fakeDB received.
type call struct {
	query string
	args  []any
}

// fakeDB records every statement and answers each with err (no rows when err is nil; a COUNT
// query, which always has a row, and a table's highest id, with count), so that tests can
// check the SQL the store builds and how it treats driver errors.
type fakeDB struct {
	mu        sync.Mutex
	calls     []call
	err       error
	count     int64
	beginErr  error
	commits   int
	rollbacks int
}

func (f *fakeDB) record(query string, args []any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{query, args})
}

// callsWith counts the statements sent so far whose text contains part.
func (f *fakeDB) callsWith(part string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.Contains(c.query, part) {
			n++
		}
	}
	return n
}

func (f *fakeDB) Exec(_ context.Context, query string, args ...any) (int64, error) {
	f.record(query, args)
	return 1, f.err
}

func (f *fakeDB) Query(_ context.Context, query string, args ...any) (sqlstore.Rows, error) {
	f.record(query, args)
	if f.err != nil {
		return nil, f.err
	}
	return noRows{}, nil
}

func (f *fakeDB) QueryRow(_ context.Context, query string, args ...any) sqlstore.Row {
	f.record(query, args)
	if f.err != nil {
		return errRow{f.err}
	}
	if strings.HasPrefix(query, "SELECT COUNT(*)") || strings.HasPrefix(query, "SELECT count(*)") ||
		strings.HasPrefix(query, "SELECT coalesce(max(") {
		return countRow{f.count}
	}
	return errRow{sql.ErrNoRows}
}

func (f *fakeDB) Begin(context.Context) (sqlstore.Tx, error) {
	if f.beginErr != nil {
		return nil, f.beginErr
	}
	return fakeTx{f}, nil
}

type fakeTx struct{ *fakeDB }

func (t fakeTx) Commit(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.commits++
	return nil
}

func (t fakeTx) Rollback(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rollbacks++
	return nil
}

type noRows struct{}

func (noRows) Next() bool        { return false }
func (noRows) Scan(...any) error { return sql.ErrNoRows }
func (noRows) Err() error        { return nil }
func (noRows) Close()            {}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// countRow is the one row of a COUNT query.
type countRow struct{ n int64 }

func (r countRow) Scan(dest ...any) error {
	if len(dest) != 1 {
		return fmt.Errorf("a count has one column, not %d", len(dest))
	}
	p, ok := dest[0].(*int64)
	if !ok {
		return fmt.Errorf("a count scans into an *int64, not a %T", dest[0])
	}
	*p = r.n
	return nil
}
