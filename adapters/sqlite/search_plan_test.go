package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	// count is what a count reads.
	count int64
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
	return errRow{d.explain(ctx, query, args), d.count}
}

func (d *explainDB) Begin(context.Context) (sqlstore.Tx, error) {
	return nil, errors.New("explainDB only reads")
}

type noRows struct{}

func (noRows) Next() bool        { return false }
func (noRows) Scan(...any) error { return errors.New("no row") }
func (noRows) Err() error        { return nil }
func (noRows) Close()            {}

// errRow is the row of an explained QueryRow: a count reads it as count, and the first id of
// a table (where a search window starts) as 1.
type errRow struct {
	err   error
	count int64
}

func (r errRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) == 1 {
		switch n := dest[0].(type) {
		case *int64:
			*n = r.count
			return nil
		case **int64:
			one := int64(1)
			*n = &one
			return nil
		}
	}
	return errors.New("explainDB: no row")
}

// A search word of three characters or more reads the FTS5 trigram index; the clients table is
// then read by id, never scanned, for clients and for the client filters of contracts and
// events. A list of clients sorted by id (either way) is driven by the FTS5 table in rowid order,
// with no sort of its matches, so its LIMIT stops early. A word that MATCH finds has no LIKE on
// the search text besides (the LIKE of a bound pattern makes SQLite prepare the statement
// twice); a word too short for trigrams keeps its LIKE, as does a filter on its own field.
// A search of contracts by q reads their own FTS5 table (their copy of the client's search
// text, migration 0024), in rowid order, each match's client checked through the clients' key
// when the caller's scope of contracts does not imply that of clients. A filter on a client's
// field of contracts or events, which no FTS5 table drives, first walks a window of ids,
// checking each record's client through the clients' key with no FTS5 table (an explained query
// returns no row, so the search goes on past the window, through the FTS5 index), when the
// clients' FTS5 index holds many matches; with few, it reads their list.
func TestSearchUsesFTSIndex(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	reader, _ := s.Pools()
	ex := &explainDB{db: reader}
	// Each case has a store of its own (the closures read es): a store keeps the count of a
	// word's matches a while, and the cases count the same words differently.
	var es *sqlstore.Store
	owner := int64(3)
	for _, tc := range []struct {
		name string
		run  func() error
		// inRowidOrder is set when the plan must read the matches in rowid order, unsorted.
		inRowidOrder bool
		// likes are the LIKE conditions the query must hold, and no other.
		likes []string
		// windowed is set when the query past the window follows one that walks the window.
		windowed bool
		// matches is how many records the FTS5 index matches, as a count reads it.
		matches int64
		// window, when set, is a regular expression the window's plan must match.
		window string
		// fts is the FTS5 table the query reads, clients_fts when "".
		fts string
		// want, when set, is a regular expression the plan must match.
		want string
	}{
		{"clients q", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "amélie durand"}, crm.FullAccess)
			return err
		}, true, nil, false, 0, "", "", ""},
		{"clients q with a short word", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie du"}, crm.FullAccess)
			return err
		}, true, []string{"c.search_text LIKE ?"}, false, 0, "", "", ""},
		{"clients q sales, next page", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "zéphyrine", ListOptions: crm.ListOptions{
				Cursor: "eyJzIjoiaWQiLCJpZCI6MTAwfQ"}}, crm.Access{Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, true, nil, false, 0, "", "", ""},
		{"clients q newest first, next page", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie", ListOptions: crm.ListOptions{Sort: "-id",
				Cursor: "eyJzIjoiLWlkIiwiaWQiOjEwMH0"}}, crm.Access{Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, true, nil, false, 0, "", "", ""},
		{"clients q by name", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie", ListOptions: crm.ListOptions{Sort: "last_name"}}, crm.FullAccess)
			return err
		}, false, nil, false, 0, "", "", ""},
		{"clients count", func() error {
			_, err := es.CountClients(ctx, crm.ClientFilter{Q: "amélie"}, crm.FullAccess)
			return err
		}, false, nil, false, 0, "", "", ""},
		{"clients email filter", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Email: "exemple"}, crm.FullAccess)
			return err
		}, true, []string{"c.email_fold LIKE ?"}, false, 0, "", "", ""},
		{"contracts q", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "amélie"}, crm.FullAccess)
			return err
		}, true, nil, false, 1000, "", "contracts_fts", ""},
		{"contracts q sales, long word", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "brasserie"}, crm.Access{
				Contracts: crm.Visibility{OwnerID: &owner}, Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, true, nil, false, 5000, "", "contracts_fts",
			// Each matching contract's client is checked through the clients' key: the seller
			// may not own the client of their contract.
			`(?m)^\s*SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)$`},
		{"contracts q support", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "brasserie"}, crm.Access{
				Contracts: crm.Visibility{SupportID: &owner}, Clients: crm.Visibility{SupportID: &owner}})
			return err
		}, true, nil, false, 5000, "", "contracts_fts", ""},
		{"contracts client email, few matches", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{ClientEmail: "exemple"}, crm.FullAccess)
			return err
		}, false, []string{"c.email_fold LIKE ?"}, false, 999, "", "", ""},
		{"contracts client email sales", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{ClientEmail: "exemple"}, crm.Access{
				Contracts: crm.Visibility{OwnerID: &owner}, Clients: crm.Visibility{OwnerID: &owner}})
			return err
		}, false, []string{"c.email_fold LIKE ?"}, true, 5000,
			// The seller's contracts of the window, in id order, with their client (migration 0023).
			`(?m)^SEARCH k USING INDEX contracts_sales_contact_id_idx \(sales_contact_id=\? AND id>\? AND id<\?\)$`, "", ""},
		{"contracts count", func() error {
			_, err := es.CountContracts(ctx, crm.ContractFilter{Q: "amélie"}, crm.FullAccess)
			return err
		}, false, nil, false, 0, "", "contracts_fts", ""},
		{"events client email", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{ClientEmail: "exemple"}, crm.FullAccess)
			return err
		}, false, []string{"c.email_fold LIKE ?"}, true, 1000, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex.plans, ex.queries, ex.count = nil, nil, tc.matches
			es = sqlstore.New(ex, sqlite.Dialect)
			require.NoError(t, tc.run())
			require.NotEmpty(t, ex.plans)
			plan := ex.plans[len(ex.plans)-1]
			query := ex.queries[len(ex.queries)-1]
			assert.Equal(t, tc.likes, regexp.MustCompile(`[a-z_.]+ LIKE \?`).FindAllString(query, -1), query)
			fts := tc.fts
			if fts == "" {
				fts = "clients_fts"
			}
			assert.Contains(t, plan, "SCAN "+fts+" VIRTUAL TABLE INDEX", plan)
			if tc.want != "" {
				assert.Regexp(t, tc.want, plan)
			}
			assert.NotRegexp(t, `(?m)^SCAN c$`, plan, "no scan of clients")
			if tc.windowed {
				// Before them, the first id of the table, when the store has not read it yet.
				require.GreaterOrEqual(t, len(ex.plans), 2, "the window, then past it")
				window, wq := ex.plans[len(ex.plans)-2], ex.queries[len(ex.queries)-2]
				assert.Contains(t, wq, " <= ?", "a window of ids")
				assert.NotContains(t, wq, "MATCH", "the window reads no FTS5 table")
				assert.Contains(t, wq, "LIMIT 1 OFFSET 0)", "each record's client is checked")
				assert.Regexp(t, `(?m)^\s*SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)$`, window, window)
				assert.NotContains(t, window, "clients_fts", window)
				assert.NotRegexp(t, `(?m)^SCAN c$`, window, "no scan of clients")
				assert.NotContains(t, window, "TEMP B-TREE", "the window is read in id order")
				if tc.window != "" {
					assert.Regexp(t, tc.window, window)
				}
			} else {
				for _, q := range ex.queries {
					assert.NotRegexp(t, `id [<>]= \?`, q, "no window")
				}
			}
			if tc.inRowidOrder {
				assert.NotContains(t, plan, "TEMP B-TREE", "the matches come in rowid order, unsorted")
				assert.Regexp(t, `(?m)^SCAN `+fts+` VIRTUAL TABLE`, plan, "the FTS5 table drives the query")
			}
		})
	}
}

// A support user assigned few events searching for a common word reads their own records, the
// words checked on each, rather than the common word's matches in the FTS5 index, few or none
// of them theirs; a rarer word keeps the index.
func TestFewRecordsOfASupportUserAreWalked(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	reader, _ := s.Pools()
	ex := &explainDB{db: reader}
	d := sqlite.Dialect
	d.SupportEachFrom = 1 << 40 // every support user is assigned few events
	pat := int64(4)
	acc := crm.Access{Clients: crm.Visibility{SupportID: &pat}, Contracts: crm.Visibility{SupportID: &pat},
		Events: crm.Visibility{SupportID: &pat}}
	for _, tc := range []struct {
		name   string
		list   func(es *sqlstore.Store) error
		fts    string // the listed table's FTS5 table
		walked string // a regular expression the plan of the walked search must match
	}{
		{"events", func(es *sqlstore.Store) error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: "brasserie"}, acc)
			return err
		}, "events_fts", `(?m)^SEARCH e USING INDEX events_support_contact_id_idx \(support_contact_id=\?\)$`},
		{"clients", func(es *sqlstore.Store) error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "brasserie"}, acc)
			return err
		}, "clients_fts", `(?m)^SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)$`},
	} {
		for _, matches := range []int64{999, 1000} {
			t.Run(fmt.Sprint(tc.name, " ", matches), func(t *testing.T) {
				ex.plans, ex.queries, ex.count = nil, nil, matches
				// A store of its own: a store keeps the count of a word's matches a while.
				require.NoError(t, tc.list(sqlstore.New(ex, d)))
				plan, query := ex.plans[len(ex.plans)-1], ex.queries[len(ex.queries)-1]
				if matches < 1000 {
					assert.Regexp(t, `(?m)^SCAN `+tc.fts+` VIRTUAL TABLE`, plan, "a rarer word: the FTS5 table drives")
					return
				}
				assert.NotContains(t, query, "MATCH", "the search reads no FTS5 table")
				assert.Contains(t, query, "instr(", "the words are checked on each record")
				assert.Regexp(t, tc.walked, plan, plan)
			})
		}
	}
}

// A support user assigned many events has their clients and contracts read record by record,
// each checked for an event of theirs: in the index of the events' contract alone, which holds
// their support contact (migration 0026), not in the events table.
func TestSupportScopeReadsTheEventsIndexAlone(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	reader, _ := s.Pools()
	ex := &explainDB{db: reader, count: 10}
	d := sqlite.Dialect
	d.SupportEachFrom = 1 // every support user is assigned many events
	pia := int64(5)
	acc := crm.Access{Clients: crm.Visibility{SupportID: &pia}, Contracts: crm.Visibility{SupportID: &pia},
		Events: crm.Visibility{SupportID: &pia}}
	for _, tc := range []struct {
		name string
		list func(es *sqlstore.Store) error
	}{
		{"clients", func(es *sqlstore.Store) error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{}, acc)
			return err
		}},
		{"contracts", func(es *sqlstore.Store) error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{}, acc)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex.plans, ex.queries = nil, nil
			require.NoError(t, tc.list(sqlstore.New(ex, d)))
			plan, query := ex.plans[len(ex.plans)-1], ex.queries[len(ex.queries)-1]
			assert.Contains(t, query, "EXISTS (SELECT 1 FROM", "record by record")
			assert.Regexp(t, `(?m)^\s*SEARCH ve (EXISTS )?USING COVERING INDEX events_contract_id_idx \(contract_id=\? AND support_contact_id=\?\)$`, plan, plan)
		})
	}
}
