package dbcopy_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/dbcopy"
	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite"
)

// newSQLite returns the URL of a fresh migrated SQLite database and a raw handle on it.
func newSQLite(t *testing.T) (string, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crm.db")
	st, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, st.MigrateUp(ctx))
	require.NoError(t, st.Close())
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return "sqlite:" + path, db
}

// newPostgres returns the URL of a fresh migrated PostgreSQL database and a connection to it.
func newPostgres(t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	st, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	require.NoError(t, st.MigrateUp(ctx))
	require.NoError(t, st.Close())
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return url, conn
}

const at = "2026-03-04T05:06:07.123456Z"

// seed writes users, clients, contracts, events, audit entries (n of them), a refresh token,
// a session and a login failure into a SQLite database.
func seed(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.Exec(q, args...)
		require.NoError(t, err, q)
	}
	for i, role := range []string{"management", "sales", "support"} {
		exec(`INSERT INTO users (id, username, email, email_key, role, date_joined, password_hash, username_skeleton, last_login)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, i+10, "u"+role, role+"@x.test", role+"@x.test", role, at, "$argon2id$hash"+role, "u"+role,
			map[bool]any{true: at, false: nil}[i == 0])
	}
	exec(`INSERT INTO clients (id, first_name, last_name, email, company, sales_contact_id, date_created, date_updated)
		VALUES (5, 'Zoé', 'Ünal "q"', 'z@x.test', 'Tab	Co', 11, ?, ?)`, at, at)
	exec(`INSERT INTO contracts (id, client_id, sales_contact_id, amount, amount_due, payment_due, status, signed_at, date_created, date_updated)
		VALUES (7, 5, 11, 100000, 2500, '2026-12-31', 'signed', ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO events (id, name, contract_id, support_contact_id, event_date, end_date, attendees, date_created, date_updated)
		VALUES (9, 'Gala', 7, 12, ?, '2026-03-05T00:00:00.000000Z', 250, ?, ?)`, at, at, at)
	tx, err := db.Begin()
	require.NoError(t, err)
	stmt, err := tx.Prepare(`INSERT INTO audit (at, actor_id, action, resource, resource_id, changes, actor_username)
		VALUES (?, 10, 'update', 'client', 5, ?, 'umanagement')`)
	require.NoError(t, err)
	for i := range n {
		_, err := stmt.Exec(at, fmt.Sprintf(`{"b": %d, "a": {"x": [1, 2.50, "é"]}, "big": 12345678901234567890}`, i))
		require.NoError(t, err)
	}
	require.NoError(t, stmt.Close())
	require.NoError(t, tx.Commit())
	exec(`INSERT INTO refresh_tokens (hash, family_id, user_id, auth_version, issued_at, expires_at, family_issued_at)
		VALUES (x'00ff10', 'fam', 10, 1, ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO sessions (id_hash, user_id, auth_version, csrf_token, created_at, last_seen) VALUES (x'abcdef', 11, 1, 'csrf', ?, ?)`, at, at)
	exec(`INSERT INTO login_failures (key, at, attempt) VALUES ('user:x', ?, NULL)`, at)
}

// pgCounts returns the number of rows of every copied table of a PostgreSQL database.
func pgCounts(t *testing.T, conn *pgx.Conn, url string) map[string]int64 {
	t.Helper()
	tables, err := dbcopy.Tables(context.Background(), url)
	require.NoError(t, err)
	counts := map[string]int64{}
	for _, tb := range tables {
		var n int64
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{tb}.Sanitize()).Scan(&n))
		counts[tb] = n
	}
	return counts
}

// sqliteTables lists the tables of a SQLite database straight from sqlite_schema, but those a
// copy leaves out by design: SQLite's own, golang-migrate's, virtual tables and their shadows.
func sqliteTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_list WHERE schema = 'main' AND type NOT IN ('view', 'virtual', 'shadow')
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

func TestTablesAreEveryTableOfTheSchema(t *testing.T) {
	ctx := context.Background()
	url, db := newSQLite(t)
	got, err := dbcopy.Tables(ctx, url)
	require.NoError(t, err)
	assert.ElementsMatch(t, sqliteTables(t, db), got, "a table of the schema is missing from the copy")
	for _, want := range []string{"users", "clients", "contracts", "events", "audit", "refresh_tokens", "sessions", "login_failures"} {
		assert.Contains(t, got, want)
	}
	assert.Less(t, slices.Index(got, "users"), slices.Index(got, "clients"))
	assert.Less(t, slices.Index(got, "clients"), slices.Index(got, "contracts"))
	assert.Less(t, slices.Index(got, "contracts"), slices.Index(got, "events"))

	// A table a later migration adds is copied; a full-text index and its shadow tables are not.
	_, err = db.Exec(`CREATE TABLE widgets (id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES clients (id));
		CREATE VIRTUAL TABLE widgets_fts USING fts5(first_name, last_name)`)
	require.NoError(t, err)
	got, err = dbcopy.Tables(ctx, url)
	require.NoError(t, err)
	assert.ElementsMatch(t, sqliteTables(t, db), got)
	assert.Less(t, slices.Index(got, "clients"), slices.Index(got, "widgets"))
	for _, n := range got {
		assert.False(t, strings.HasPrefix(n, "widgets_fts"), "copies the virtual table or shadow table %s", n)
	}

	pgURL, pg := newPostgres(t)
	pgTables, err := dbcopy.Tables(ctx, pgURL)
	require.NoError(t, err)
	assert.ElementsMatch(t, sqliteTables(t, db), append(pgTables, "widgets"),
		"SQLite and PostgreSQL schemas have different tables")
	rows, err := pg.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	require.NoError(t, err)
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.ElementsMatch(t, all, pgTables, "a table of the PostgreSQL schema is missing from the copy")
}

func TestCopyRoundTripKeepsEveryValue(t *testing.T) {
	ctx := context.Background()
	srcURL, src := newSQLite(t)
	seed(t, src, 500)
	pgURL, pg := newPostgres(t)

	// The URL may carry the server's pool settings.
	reports, err := dbcopy.Copy(ctx, srcURL, pgURL+"?pool_max_conns=3", dbcopy.Options{})
	require.NoError(t, err)
	counts := pgCounts(t, pg, pgURL)
	assert.Equal(t, int64(3), counts["users"])
	assert.Equal(t, int64(500), counts["audit"])
	assert.Equal(t, int64(1), counts["refresh_tokens"])
	assert.Equal(t, int64(1), counts["sessions"])
	assert.Equal(t, int64(1), counts["login_failures"])

	var hash, lastName string
	var due any
	require.NoError(t, pg.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = 10`).Scan(&hash))
	assert.Equal(t, "$argon2id$hashmanagement", hash)
	require.NoError(t, pg.QueryRow(ctx, `SELECT last_name FROM clients WHERE id = 5`).Scan(&lastName))
	assert.Equal(t, `Ünal "q"`, lastName)
	require.NoError(t, pg.QueryRow(ctx, `SELECT payment_due::text FROM contracts WHERE id = 7`).Scan(&due))
	assert.Equal(t, "2026-12-31", due)
	// The event's owner, which SQLite does not keep, is written by PostgreSQL's trigger
	// (migration 0021), not copied.
	var owner *int64
	require.NoError(t, pg.QueryRow(ctx, `SELECT owner_id FROM events WHERE id = 9`).Scan(&owner))
	require.NotNil(t, owner)
	assert.Equal(t, int64(11), *owner)

	// New rows get ids past the copied ones.
	var id int64
	require.NoError(t, pg.QueryRow(ctx, `INSERT INTO clients (first_name, last_name, email, date_created, date_updated)
		VALUES ('a', 'b', 'c', now(), now()) RETURNING id`).Scan(&id))
	assert.Greater(t, id, int64(5))
	require.NoError(t, pg.QueryRow(ctx, `INSERT INTO audit (at, actor_id, action, resource, resource_id)
		VALUES (now(), 0, 'x', 'y', 1) RETURNING id`).Scan(&id))
	assert.Equal(t, int64(501), id)
	_, err = pg.Exec(ctx, `DELETE FROM clients WHERE id > 5; DELETE FROM audit WHERE id > 500`)
	require.NoError(t, err)

	// And back, from PostgreSQL to SQLite: the checksums match the first copy's.
	backURL, _ := newSQLite(t)
	back, err := dbcopy.Copy(ctx, pgURL, backURL, dbcopy.Options{})
	require.NoError(t, err)
	assert.Equal(t, reports, back)
	// SQLite to SQLite too (its checksums render instants as SQLite's text, so they are not
	// those of a copy to or from PostgreSQL).
	againURL, _ := newSQLite(t)
	again, err := dbcopy.Copy(ctx, backURL, againURL, dbcopy.Options{})
	require.NoError(t, err)
	require.Len(t, again, len(reports))
	for i := range again {
		assert.Equal(t, reports[i].Rows, again[i].Rows, again[i].Table)
	}
}

func TestCopyRefusesANonEmptyTargetUnlessReplace(t *testing.T) {
	ctx := context.Background()
	srcURL, src := newSQLite(t)
	seed(t, src, 3)
	pgURL, pg := newPostgres(t)
	_, err := dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
	require.NoError(t, err)

	_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
	require.ErrorIs(t, err, dbcopy.ErrNotEmpty)
	assert.Contains(t, err.Error(), "users (3 rows)")
	assert.Contains(t, err.Error(), "--replace")

	_, err = src.Exec(`DELETE FROM audit WHERE id > 1`)
	require.NoError(t, err)
	_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{Replace: true})
	require.NoError(t, err)
	assert.Equal(t, int64(1), pgCounts(t, pg, pgURL)["audit"])

	_, err = dbcopy.Copy(ctx, srcURL, srcURL, dbcopy.Options{Replace: true})
	require.ErrorContains(t, err, "the same database")
}

func TestCopyFailingHalfWayLeavesTheTargetUnchanged(t *testing.T) {
	ctx := context.Background()
	srcURL, src := newSQLite(t)
	seed(t, src, 1500)

	t.Run("a bad value in a late table", func(t *testing.T) {
		pgURL, pg := newPostgres(t)
		// SQLite accepts this time; PostgreSQL cannot: the copy fails after users, clients, audit...
		_, err := src.Exec(`UPDATE sessions SET last_seen = 'yesterday'`)
		require.NoError(t, err)
		defer func() { _, _ = src.Exec(`UPDATE sessions SET last_seen = ?`, at) }()
		_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
		require.ErrorContains(t, err, "sessions")
		require.ErrorContains(t, err, "nothing was committed")
		for table, n := range pgCounts(t, pg, pgURL) {
			assert.Zero(t, n, table)
		}
	})
	t.Run("cancelled in the middle of a table", func(t *testing.T) {
		pgURL, pg := newPostgres(t)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := dbcopy.Copy(cctx, srcURL, pgURL, dbcopy.Options{Progress: func(table string, done, total int64) {
			if table == "audit" && done > 0 && done < total {
				cancel()
			}
		}})
		require.Error(t, err)
		for table, n := range pgCounts(t, pg, pgURL) {
			assert.Zero(t, n, table)
		}
		// Run again: it starts over and succeeds.
		_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
		require.NoError(t, err)
		assert.Equal(t, int64(1500), pgCounts(t, pg, pgURL)["audit"])
	})
	t.Run("into SQLite", func(t *testing.T) {
		dstURL, dst := newSQLite(t)
		_, err := dst.Exec(`CREATE TRIGGER no_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'injected'); END`)
		require.NoError(t, err)
		_, err = dbcopy.Copy(ctx, srcURL, dstURL, dbcopy.Options{})
		require.ErrorContains(t, err, "injected")
		for _, table := range sqliteTables(t, dst) {
			var n int
			require.NoError(t, dst.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
			assert.Zero(t, n, table)
		}
	})
}

// TestCopyCopesWithLaterMigrations adds what the search, key rotation and idempotency
// migrations may add: a column on both sides, new tables with text keys, a generated search
// column on PostgreSQL and an FTS5 index filled by triggers on SQLite. The copy carries the
// new column and tables, leaves the generated column and the index to the target, and the index
// is filled on a SQLite target.
func TestCopyCopesWithLaterMigrations(t *testing.T) {
	ctx := context.Background()
	srcURL, src := newSQLite(t)
	seed(t, src, 1)
	sqliteDDL := `ALTER TABLE clients ADD COLUMN nickname TEXT NOT NULL DEFAULT '';
		CREATE TABLE later_keys (kid TEXT PRIMARY KEY, private_key BLOB NOT NULL, created_at TEXT NOT NULL, retired_at TEXT) STRICT;
		CREATE TABLE later_requests (key TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users (id), response TEXT NOT NULL,
			PRIMARY KEY (user_id, key)) STRICT;
		CREATE VIRTUAL TABLE later_fts USING fts5(first_name, last_name, content='clients', content_rowid='id');
		CREATE TRIGGER later_fts_ai AFTER INSERT ON clients BEGIN
			INSERT INTO later_fts (rowid, first_name, last_name) VALUES (new.id, new.first_name, new.last_name);
		END;`
	_, err := src.Exec(sqliteDDL)
	require.NoError(t, err)
	_, err = src.Exec(`UPDATE clients SET nickname = 'Zo';
		INSERT INTO later_keys VALUES ('b-key', x'01', ?, NULL), ('a-key', x'02', ?, ?), ('Z-key', x'03', ?, NULL);
		INSERT INTO later_requests VALUES ('k2', 10, '{}'), ('k1', 10, '{}'), ('K0', 11, '{}')`, at, at, at, at)
	require.NoError(t, err)

	pgURL, pg := newPostgres(t)
	_, err = pg.Exec(ctx, `ALTER TABLE clients ADD COLUMN nickname text NOT NULL DEFAULT '';
		ALTER TABLE clients ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', first_name || ' ' || last_name)) STORED;
		CREATE TABLE later_keys (kid text PRIMARY KEY, private_key bytea NOT NULL, created_at timestamptz NOT NULL, retired_at timestamptz);
		CREATE TABLE later_requests (key text NOT NULL, user_id bigint NOT NULL REFERENCES users (id), response jsonb NOT NULL,
			PRIMARY KEY (user_id, key))`)
	require.NoError(t, err)
	_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
	require.NoError(t, err)
	counts := pgCounts(t, pg, pgURL)
	assert.Equal(t, int64(3), counts["later_keys"])
	assert.Equal(t, int64(3), counts["later_requests"])
	var nick string
	var found bool
	require.NoError(t, pg.QueryRow(ctx, `SELECT nickname, search @@ to_tsquery('simple', 'zoé') FROM clients WHERE id = 5`).Scan(&nick, &found))
	assert.Equal(t, "Zo", nick)
	assert.True(t, found, "the generated search column is computed on the target")

	// Back to a SQLite database with the same schema: the triggers fill its search index.
	backURL, back := newSQLite(t)
	_, err = back.Exec(sqliteDDL)
	require.NoError(t, err)
	_, err = dbcopy.Copy(ctx, pgURL, backURL, dbcopy.Options{})
	require.NoError(t, err)
	var id int64
	require.NoError(t, back.QueryRow(`SELECT rowid FROM later_fts WHERE later_fts MATCH 'Zoé'`).Scan(&id))
	assert.Equal(t, int64(5), id)
}
