package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// explainDB is a sqlstore.DB that explains every read (EXPLAIN QUERY PLAN) instead of running
// it: it keeps the plan and returns no row, so a store over it shows the plans of its queries.
type explainDB struct {
	db      *sql.DB
	plans   []string
	queries []string
}

func (d *explainDB) explain(ctx context.Context, query string, args []any) error {
	d.queries = append(d.queries, query)
	rows, err := d.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return err
		}
		lines = append(lines, detail)
	}
	d.plans = append(d.plans, strings.Join(lines, "\n"))
	return rows.Err()
}

func (d *explainDB) Exec(context.Context, string, ...any) (int64, error) {
	return 0, errors.New("explainDB only reads")
}

func (d *explainDB) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return noRows{}, d.explain(ctx, query, args)
}

func (d *explainDB) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return errRow{d.explain(ctx, query, args)}
}

func (d *explainDB) Begin(context.Context) (sqlstore.Tx, error) {
	return nil, errors.New("explainDB only reads")
}

type noRows struct{}

func (noRows) Next() bool        { return false }
func (noRows) Scan(...any) error { return errors.New("no row") }
func (noRows) Err() error        { return nil }
func (noRows) Close()            {}

// errRow is the row of an explained QueryRow: a count reads it as 0.
type errRow struct{ err error }

func (r errRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if n, ok := dest[0].(*int64); ok && len(dest) == 1 {
		*n = 0
		return nil
	}
	return errors.New("explainDB: no row")
}

// A search word of three characters or more reads the FTS5 trigram index; the clients table is
// then read by id, never scanned, for clients and for the client filters of contracts and
// events. A list of clients sorted by id (either way) is driven by the FTS5 table in rowid order,
// with no sort of its matches, so its LIMIT stops early. A word that MATCH finds has no LIKE on
// the search text besides (the LIKE of a bound pattern makes SQLite prepare the statement
// twice); a word too short for trigrams keeps its LIKE, as does a filter on its own field.
func TestSearchUsesFTSIndex(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	reader, _ := s.Pools()
	ex := &explainDB{db: reader}
	es := sqlstore.New(ex, sqlite.Dialect)
	owner := int64(3)
	for _, tc := range []struct {
		name string
		run  func() error
		// inRowidOrder is set when the plan must read the matches in rowid order, unsorted.
		inRowidOrder bool
		// likes are the LIKE conditions the query must hold, and no other.
		likes []string
	}{
		{"clients q", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "amélie durand"}, crm.FullAccess)
			return err
		}, true, nil},
		{"clients q with a short word", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie du"}, crm.FullAccess)
			return err
		}, true, []string{"c.search_text LIKE ?"}},
		{"clients q sales, next page", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "zéphyrine", ListOptions: crm.ListOptions{
				Cursor: "eyJzIjoiaWQiLCJpZCI6MTAwfQ"}}, crm.Access{Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, true, nil},
		{"clients q newest first, next page", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie", ListOptions: crm.ListOptions{Sort: "-id",
				Cursor: "eyJzIjoiLWlkIiwiaWQiOjEwMH0"}}, crm.Access{Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, true, nil},
		{"clients q by name", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie", ListOptions: crm.ListOptions{Sort: "last_name"}}, crm.FullAccess)
			return err
		}, false, nil},
		{"clients count", func() error {
			_, err := es.CountClients(ctx, crm.ClientFilter{Q: "amélie"}, crm.FullAccess)
			return err
		}, false, nil},
		{"clients email filter", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Email: "exemple"}, crm.FullAccess)
			return err
		}, true, []string{"c.email_fold LIKE ?"}},
		{"contracts q", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "amélie"}, crm.FullAccess)
			return err
		}, false, nil},
		{"events client email", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{ClientEmail: "exemple"}, crm.FullAccess)
			return err
		}, false, []string{"c.email_fold LIKE ?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex.plans, ex.queries = nil, nil
			require.NoError(t, tc.run())
			require.NotEmpty(t, ex.plans)
			plan := ex.plans[len(ex.plans)-1]
			query := ex.queries[len(ex.queries)-1]
			assert.Equal(t, tc.likes, regexp.MustCompile(`[a-z_.]+ LIKE \?`).FindAllString(query, -1), query)
			assert.Contains(t, plan, "SCAN clients_fts VIRTUAL TABLE INDEX", plan)
			assert.NotRegexp(t, `(?m)^SCAN c$`, plan, "no scan of clients")
			if tc.inRowidOrder {
				assert.NotContains(t, plan, "TEMP B-TREE", "the matches come in rowid order, unsorted")
				assert.Regexp(t, `(?m)^SCAN clients_fts VIRTUAL TABLE`, plan, "the FTS5 table drives the query")
			}
		})
	}
}
