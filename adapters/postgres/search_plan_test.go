package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// explainDB is a sqlstore.DB that explains every read instead of running it: it keeps the plan
// and returns no row, so a store over it shows the plans of the store's real queries.
type explainDB struct {
	pool  *pgxpool.Pool
	plans []string
}

func (d *explainDB) explain(ctx context.Context, query string, args []any) error {
	rows, err := d.pool.Query(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		lines = append(lines, line)
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
	if n, ok := dest[0].(**int64); ok && len(dest) == 1 {
		one := int64(1) // the first id, where a search's window starts
		*n = &one
		return nil
	}
	return errors.New("explainDB: no row")
}

// The searches read the trigram index, not the whole table: with 20,000 clients, contracts and
// events (analyzed), the plan of every search and client filter, on clients, contracts and
// events, is a bitmap scan of the search index, and never a sequential scan of clients.
func TestSearchUsesTrigramIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20,000 rows")
	}
	ctx := context.Background()
	s := pgtest.New(t)
	db := s.Pool()
	// The rows are written in one transaction without the pool's statement timeout: building
	// the indexes of 20,000 clients, contracts and events takes seconds on a busy machine.
	tx, err := db.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "SET LOCAL statement_timeout = 0")
	require.NoError(t, err)
	// The trigram indexes are built once the rows are in, as the bulk load does: kept up row by
	// row (they have no pending list), they made this test take 49 s instead of 21.
	var gins [][]string
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE tablename IN ('clients', 'contracts', 'events') AND indexdef LIKE '%USING gin%'`)
	require.NoError(t, err)
	for rows.Next() {
		var name, def string
		require.NoError(t, rows.Scan(&name, &def))
		gins = append(gins, []string{name, def})
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, gins)
	for _, g := range gins {
		_, err = tx.Exec(ctx, "DROP INDEX "+g[0])
		require.NoError(t, err)
	}
	// Ten sellers (users 1 to 10) own the clients in blocks of ten ids: seller 1 the clients
	// whose id ends in 00-09, seller 2 in 10-19, and so on. Seller 11 owns none.
	_, err = tx.Exec(ctx, `INSERT INTO users (username, email, email_key, role, date_joined, password_hash)
		SELECT 'seller' || i, 'seller' || i || '@x.test', 'seller' || i || '@x.test', 'sales', now(), 'h'
		FROM generate_series(1, 11) i`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `INSERT INTO clients (first_name, last_name, email, company, sales_contact_id, date_created,
			date_updated, first_name_fold, last_name_fold, email_fold, company_fold, search_text)
		SELECT f, l, e, co, s, now(), now(), f, l, e, co, f || E'\n' || l || E'\n' || e || E'\n' || co
		FROM (SELECT 'client' || i AS f, md5(i::text) AS l, 'c' || i || '@' || md5((-i)::text) || '.test' AS e,
			'company' || (i % 100) AS co, (SELECT id FROM users WHERE username = 'seller' || (1 + i / 10 % 10)) AS s
			FROM generate_series(1, 20000) i) g`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `INSERT INTO contracts (client_id, sales_contact_id, amount, amount_due, date_created, date_updated, search_text)
		SELECT id, sales_contact_id, 100, 0, now(), now(), search_text FROM clients ORDER BY id`)
	require.NoError(t, err)
	// The events of a seller's contracts are located in the seller's city: seller 1's in
	// city0, seller 2's in city1, and so on.
	_, err = tx.Exec(ctx, `INSERT INTO events (name, contract_id, event_date, location, date_created, date_updated, search_text)
		SELECT 'event ' || md5(k.id::text), k.id, now(), 'city' || (c.id / 10 % 10), now(), now(),
			'event ' || md5(k.id::text) || E'\ncity' || (c.id / 10 % 10)
		FROM contracts k JOIN clients c ON c.id = k.client_id`)
	require.NoError(t, err)
	for _, g := range gins {
		_, err = tx.Exec(ctx, g[1])
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	// VACUUM ANALYZE gives the planner the statistics and the visibility map autovacuum would
	// after a bulk load.
	_, err = db.Exec(ctx, "VACUUM ANALYZE")
	require.NoError(t, err)

	// A rare word: part of one client's md5 last name.
	var rare string
	require.NoError(t, db.QueryRow(ctx, "SELECT substr(md5('777'), 3, 8)").Scan(&rare))
	var sellers []int64
	require.NoError(t, db.QueryRow(ctx, "SELECT array_agg(id ORDER BY id) FROM users WHERE username LIKE 'seller%'").Scan(&sellers))
	ex := &explainDB{pool: db}
	es := sqlstore.New(ex, postgres.Dialect)
	// The support users here are assigned no event: ew gives their searches a window all the
	// same, as it does to a support user assigned many (sqlstore.Dialect.FewSupportBelow).
	windowed := postgres.Dialect
	windowed.FewSupportBelow = 0
	ew := sqlstore.New(ex, windowed)
	page := crm.ListOptions{Limit: 20}
	for _, tc := range []struct {
		name string
		run  func() error
		// idx is the index the search's last query reads; plan, when set, is a regular
		// expression its plan must match instead.
		idx, plan string
	}{
		{"clients q, a common word (an index-only walk of the key, migration 0018)", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "company7", ListOptions: page}, crm.FullAccess)
			return err
		}, "", `Index Only Scan using clients_pkey`},
		{"clients q", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"clients q, two words", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "client777 " + rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"clients q as sales (the index step of a windowed search)", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: rare, ListOptions: page}, crm.Access{Clients: crm.Visibility{OwnerID: &sellers[10]}})
			return err
		}, "", `Index (Only )?Scan (on|using) clients_sales_contact_id_idx`}, // the seller owns no client: the smaller index
		{"clients q as sales, a common word of which the seller owns none (migration 0020)", func() error {
			// "company7" is in the companies of the ids ending in 07 and 70-79: sellers 1 and 8.
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "company7", ListOptions: page}, crm.Access{Clients: crm.Visibility{OwnerID: &sellers[1]}})
			return err
		}, "", `Bitmap Index Scan on clients_owner_trgm_idx .*\n\s+Index Cond: \(owner_trigrams\(sales_contact_id, search_text\) @> '\{\d+:com,\d+:omp,\d+:mpa,\d+:pan,\d+:any,\d+:ny7\}'`},
		{"clients q filtered on a sales contact (migration 0020)", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "company7", SalesContactID: &sellers[1], ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_owner_trgm_idx", ""},
		{"clients q as sales, the window step (an index-only scan of the seller's clients of the window, migration 0025)", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: rare, ListOptions: page}, crm.Access{Clients: crm.Visibility{OwnerID: &sellers[1]}})
			ex.plans = ex.plans[:len(ex.plans)-1] // the index step's plan: the window's is the one before
			// The window is walked in the key: no condition of its own on the owner's trigrams.
			assert.NotContains(t, ex.plans[len(ex.plans)-1], "owner_trigrams")
			return err
		}, "", `Index Only Scan using clients_sales_contact_id_idx on clients c(_1)? .*\n.*Index Cond: \(\(sales_contact_id = '\d+'::bigint\) AND \(id <= '\d+'::bigint\) AND \(id >= '-9223372036854775808'::bigint\)\)\n\s+Filter: \(\(search_text \|\| ''::text\) ~~`},
		{"clients count", func() error {
			_, err := es.CountClients(ctx, crm.ClientFilter{Q: rare}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"clients last name filter", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{LastName: rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"contracts q (their copy of the client's search text, migration 0024)", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "contracts_search_trgm_idx", ""},
		{"contracts q as sales, the window step (the seller's contracts of the window, migration 0023, each matching one's client checked through its key)", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "company7", ListOptions: page}, crm.Access{Contracts: crm.Visibility{OwnerID: &sellers[1]}, Clients: crm.Visibility{OwnerID: &sellers[1]}})
			ex.plans = ex.plans[:len(ex.plans)-1] // the index step's plan: the window's is the one before
			assert.NotContains(t, ex.plans[len(ex.plans)-1], "trgm_idx")
			return err
		}, "", `(?s)\(search_text \|\| ''::text\) ~~ '%company7%'.*Index Scan (using|on) contracts_sales_contact_id_idx .*\n\s+Index Cond: \(\(sales_contact_id = '\d+'::bigint\) AND \(id <= '\d+'::bigint\).*SubPlan.*Index Only Scan using clients_pkey on clients c`},
		{"contracts q as sales, past the window (the seller's trigrams of the contracts, migration 0024)", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "company7", ListOptions: page}, crm.Access{Contracts: crm.Visibility{OwnerID: &sellers[1]}, Clients: crm.Visibility{OwnerID: &sellers[1]}})
			return err
		}, "contracts_owner_trgm_idx", ""},
		{"contracts q as support, the window step (an index-only walk of the contracts' key index, migration 0024, the words checked on their copy, no client read)", func() error {
			_, _, err := ew.ListContracts(ctx, crm.ContractFilter{Q: "company7", ListOptions: page}, crm.Access{Contracts: crm.Visibility{SupportID: &sellers[1]}, Clients: crm.Visibility{SupportID: &sellers[1]}})
			ex.plans = ex.plans[:len(ex.plans)-1] // the index step's plan: the window's is the one before
			assert.NotContains(t, ex.plans[len(ex.plans)-1], "clients")
			return err
		}, "", `(?s)Index Only Scan using contracts_search_key_idx on contracts k.*Filter: \(search_text ~~ '%company7%'::text\)`},
		{"contracts client email", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{ClientEmail: rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"events client first name", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{ClientFirstName: "client777", ListOptions: page}, crm.FullAccess)
			return err
		}, "clients_search_trgm_idx", ""},
		{"events q", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: rare, ListOptions: page}, crm.FullAccess)
			return err
		}, "events_search_trgm_idx", ""},
		{"events q as sales, a common word of which the seller owns none (migration 0021)", func() error {
			// "city7" is the location of seller 8's events alone.
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: "city7", ListOptions: page}, crm.Access{Events: crm.Visibility{OwnerID: &sellers[1]}})
			return err
		}, "", `Bitmap Index Scan on events_owner_trgm_idx .*\n\s+Index Cond: \(owner_trigrams\(owner_id, search_text\) @> '\{\d+:cit,\d+:ity,\d+:ty7\}'`},
		{"events q as sales, the window step (the seller's events of the window, migration 0022)", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: "city7", ListOptions: page}, crm.Access{Events: crm.Visibility{OwnerID: &sellers[1]}})
			ex.plans = ex.plans[:len(ex.plans)-1] // the index step's plan: the window's is the one before
			assert.NotContains(t, ex.plans[len(ex.plans)-1], "trgm_idx")
			assert.Contains(t, ex.plans[len(ex.plans)-1], "(search_text || ''::text) ~~ '%city7%'")
			return err
		}, "", `Index Scan on events_owner_id_idx .*\n\s+Index Cond: \(\(owner_id = '\d+'::bigint\) AND \(id <= '\d+'::bigint\)`},
		{"events q filtered on a sales contact (migration 0021)", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: "city7", SalesContactID: &sellers[1], ListOptions: page}, crm.FullAccess)
			return err
		}, "events_owner_trgm_idx", ""},
		{"events q as support, the window step (walked in id order, the words checked on its rows)", func() error {
			_, _, err := ew.ListEvents(ctx, crm.EventFilter{Q: "city7", ListOptions: page}, crm.Access{Events: crm.Visibility{SupportID: &sellers[1]}})
			ex.plans = ex.plans[:len(ex.plans)-1] // the index step's plan: the window's is the one before
			assert.NotContains(t, ex.plans[len(ex.plans)-1], "events_search_trgm_idx")
			return err
		}, "", `\(search_text \|\| ''::text\) ~~ '%city7%'`},
		{"events q as support assigned few events (one query, through the support contact index)", func() error {
			_, _, err := es.ListEvents(ctx, crm.EventFilter{Q: "city7", ListOptions: page}, crm.Access{Events: crm.Visibility{SupportID: &sellers[1]}})
			assert.Len(t, ex.plans, 2, "the count of the caller's events, then the page")
			return err
		}, "", `(?s)Sort Key: \(\(e\.id \+ 0\)\).*Index Scan using events_support_contact_id_idx`},
		{"clients q as support assigned few events (one query, through the support contact index)", func() error {
			_, _, err := es.ListClients(ctx, crm.ClientFilter{Q: "company7", ListOptions: page}, crm.Access{Clients: crm.Visibility{SupportID: &sellers[1]}})
			assert.Len(t, ex.plans, 2, "the count of the caller's events, then the page")
			return err
		}, "", `(?s)Sort Key: \(\(c(_1)?\.id \+ 0\)\).*Index Scan using events_support_contact_id_idx`},
		{"contracts q as support assigned few events (one query, through the support contact index)", func() error {
			_, _, err := es.ListContracts(ctx, crm.ContractFilter{Q: "company7", ListOptions: page}, crm.Access{Contracts: crm.Visibility{SupportID: &sellers[1]}, Clients: crm.Visibility{SupportID: &sellers[1]}})
			assert.Len(t, ex.plans, 2, "the count of the caller's events, then the page")
			return err
		}, "", `(?s)Sort Key: \(\(k(_1)?\.id \+ 0\)\).*Index Scan using events_support_contact_id_idx`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex.plans = nil
			require.NoError(t, tc.run())
			require.NotEmpty(t, ex.plans)
			// A list's last query is the index step of its search (see sqlstore's list).
			plan := ex.plans[len(ex.plans)-1]
			want := tc.plan
			if want == "" {
				want = `Index Scan (on|using) ` + tc.idx
			}
			assert.Regexp(t, want, plan)
			for _, plan := range ex.plans {
				assert.NotContains(t, plan, "Seq Scan on clients", plan)
			}
		})
	}

	// The window step names both ends of its window (see sqlstore's list), so that PostgreSQL
	// keeps one plan for its statement after the first five runs on a connection, instead of
	// planning every search again: the statement shows generic plans. (Without the second end,
	// the statement is planned at every run: 8 custom plans, no generic one.)
	t.Run("the window step keeps a generic plan", func(t *testing.T) {
		conn, err := db.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		// A window of 100 of the 20,000 ids, as 10,000 is of a million: PostgreSQL takes the
		// open-ended window of the generic plan for a third of the table, and keeps planning.
		d := postgres.Dialect
		d.SearchWindow = 100
		one := sqlstore.New(connDB{conn}, d)
		for range 8 {
			_, _, err := one.ListClients(ctx, crm.ClientFilter{Q: "company7", ListOptions: page}, crm.Access{Clients: crm.Visibility{OwnerID: &sellers[1]}})
			require.NoError(t, err)
		}
		var generic, custom int64
		var stmt string
		require.NoError(t, conn.QueryRow(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
			WHERE statement LIKE 'SELECT c.id, c.first_name%' AND statement LIKE '%c.id <= $%'`).Scan(&stmt, &generic, &custom), "the window step's statement")
		assert.Positive(t, generic, "generic plans of %s (custom plans: %d)", stmt, custom)
	})
}

// connDB is a sqlstore.DB over one connection, so that a test can see the connection's
// prepared statements.
type connDB struct{ conn *pgxpool.Conn }

func (d connDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.conn.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (d connDB) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return d.conn.Query(ctx, query, args...)
}

func (d connDB) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return d.conn.QueryRow(ctx, query, args...)
}

func (d connDB) Begin(context.Context) (sqlstore.Tx, error) {
	return nil, errors.New("connDB only reads")
}

// Migrations 0018 and 0019: the clients' primary key holds the search text and the sales
// contact (for a search's index-only walk in id order), their trigram index the sales contact
// (for a search within a seller's clients), and the trigram indexes keep no pending list (which
// every search would read in full until VACUUM); a client just written is found.
func TestSearchIndexesOfTheSchema(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	db := s.Pool()
	columns := func(index string) []string {
		var cols []string
		require.NoError(t, db.QueryRow(ctx, `SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i
			CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
			WHERE i.indexrelid = $1::regclass`, index).Scan(&cols))
		return cols
	}
	assert.Equal(t, []string{"id", "search_text", "sales_contact_id"}, columns("clients_pkey"))
	// Migration 0019: the clients' trigram index also holds the sales contact.
	assert.Equal(t, []string{"sales_contact_id", "search_text"}, columns("clients_search_trgm_idx"))
	// Migration 0025: a seller's clients in id order, with their search text.
	assert.Equal(t, []string{"sales_contact_id", "id", "search_text"}, columns("clients_sales_contact_id_idx"))
	// Migration 0026: a contract's events with their support contact, for a support user's scope.
	assert.Equal(t, []string{"contract_id", "support_contact_id"}, columns("events_contract_id_idx"))
	for _, idx := range []string{"clients_search_trgm_idx", "clients_owner_trgm_idx", "users_search_trgm_idx", "events_search_trgm_idx", "events_owner_trgm_idx"} {
		var opts []string
		require.NoError(t, db.QueryRow(ctx, "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = $1::regclass", idx).Scan(&opts))
		assert.Contains(t, opts, "fastupdate=off", idx)
	}

	c := &crm.Client{FirstName: "Zoé", LastName: "Quintal", Email: "zq@x.test", Status: crm.ClientPotential,
		DateCreated: time.Now(), DateUpdated: time.Now()}
	require.NoError(t, s.CreateClient(ctx, c, nil))
	got, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "quintal"}, crm.FullAccess)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, c.ID, got[0].ID)
}
