package dbcopy

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// database is one side of a copy: a source read in one snapshot, or a target written in one
// transaction.
type database interface {
	name() string
	postgres() bool
	begin(ctx context.Context) error
	tables(ctx context.Context) ([]table, error)
	count(ctx context.Context, table string) (int64, error)
	// rows reads a table's columns ordered by key, normalized to the columns' kinds.
	rows(ctx context.Context, table string, cols []column, key []string) (rowIter, error)
	// insert writes the rows next returns until it returns nil.
	insert(ctx context.Context, table string, cols []column, next func() ([]any, error)) error
	// clear deletes every row of the tables, in that order.
	clear(ctx context.Context, tables []string) error
	// afterCopy sets the id counters of a copied table past its ids.
	afterCopy(ctx context.Context, name string, t table) error
	commit(ctx context.Context) error
	rollback()
	close()
}

// rowIter yields normalized rows; next returns nil at the end.
type rowIter interface {
	next() ([]any, error)
	close()
}

// isPostgres reports whether url names a PostgreSQL database.
func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// open connects to the database at url; write says it is the target.
func open(ctx context.Context, url string, write bool) (database, error) {
	if isPostgres(url) {
		// pgxpool's parser drops the pool_* parameters of a server's URL, which a single
		// connection would send to the server as unknown settings.
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("the PostgreSQL URL is not valid (expected postgres://user@host:port/dbname): %w", err)
		}
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
		if err != nil {
			return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
		}
		return &pgDB{conn: conn, write: write, host: conn.Config().Host + "/" + conn.Config().Database}, nil
	}
	path := strings.TrimPrefix(url, "sqlite:")
	if path == "" || strings.Contains(url, "://") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("unsupported database URL %q: give postgres://..., sqlite:PATH or a file path", url)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("the SQLite database %s: %w", path, err)
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	if write {
		dsn += "&_pragma=journal_mode(WAL)&_txlock=immediate"
	} else {
		dsn += "&_pragma=query_only(1)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the SQLite database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening the SQLite database %s: %w", path, err)
	}
	return &sqliteDB{db: db, path: path}, nil
}

// quote quotes an identifier, the same way for both databases.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// columnList returns the quoted, comma-separated names of cols.
func columnList(cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.name)
	}
	return strings.Join(names, ", ")
}

// sqliteDB is a SQLite side, on one connection.
type sqliteDB struct {
	db   *sql.DB
	tx   *sql.Tx
	path string
}

func (s *sqliteDB) name() string   { return "SQLite " + s.path }
func (s *sqliteDB) postgres() bool { return false }

func (s *sqliteDB) begin(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	s.tx = tx
	// A deferred transaction takes its snapshot at its first read: take it now.
	var n int
	return tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n)
}

func (s *sqliteDB) tables(ctx context.Context) ([]table, error) { return sqliteTables(ctx, s.tx) }

func (s *sqliteDB) count(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(table)).Scan(&n)
	return n, err
}

func (s *sqliteDB) rows(ctx context.Context, table string, cols []column, key []string) (rowIter, error) {
	order := make([]string, len(key))
	for i, k := range key {
		order[i] = quote(k)
	}
	rows, err := s.tx.QueryContext(ctx, "SELECT "+columnList(cols)+" FROM "+quote(table)+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return nil, err
	}
	return &sqliteRows{rows: rows, cols: cols}, nil
}

// sqliteRows iterates over the rows of a SQLite query.
type sqliteRows struct {
	rows *sql.Rows
	cols []column
}

func (r *sqliteRows) next() ([]any, error) {
	if !r.rows.Next() {
		return nil, r.rows.Err()
	}
	vals := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return normalizeRow(r.cols, vals)
}

func (r *sqliteRows) close() { _ = r.rows.Close() }

// normalizeRow normalizes every value of a row read from either database.
func normalizeRow(cols []column, vals []any) ([]any, error) {
	for i, c := range cols {
		v, err := normalize(c.kind, vals[i])
		if err != nil {
			return nil, fmt.Errorf("the column %s: %w", c.name, err)
		}
		vals[i] = v
	}
	return vals, nil
}

func (s *sqliteDB) insert(ctx context.Context, table string, cols []column, next func() ([]any, error)) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	stmt, err := s.tx.PrepareContext(ctx, "INSERT INTO "+quote(table)+" ("+columnList(cols)+") VALUES ("+marks+")")
	if err != nil {
		return err
	}
	defer func() { _ = stmt.Close() }()
	for {
		row, err := next()
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		args := make([]any, len(row))
		for i, v := range row {
			args[i] = forSQLite(cols[i].kind, v)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("inserting %v: %w", describeRow(cols, row), err)
		}
	}
}

// describeRow names a row by its first column (its id, usually), for an error message.
func describeRow(cols []column, row []any) string {
	if len(cols) == 0 {
		return "a row"
	}
	return fmt.Sprintf("the row %s=%v", cols[0].name, row[0])
}

func (s *sqliteDB) clear(ctx context.Context, tables []string) error {
	for _, t := range tables {
		if _, err := s.tx.ExecContext(ctx, "DELETE FROM "+quote(t)); err != nil {
			return fmt.Errorf("deleting the rows of %s: %w", t, err)
		}
	}
	return nil
}

// afterCopy does nothing: SQLite moves an AUTOINCREMENT counter (sqlite_sequence) past every id
// inserted, by itself.
func (s *sqliteDB) afterCopy(context.Context, string, table) error { return nil }

func (s *sqliteDB) commit(context.Context) error { return s.tx.Commit() }

func (s *sqliteDB) rollback() {
	if s.tx != nil {
		_ = s.tx.Rollback()
	}
}

func (s *sqliteDB) close() { _ = s.db.Close() }

// pgDB is a PostgreSQL side, on one connection.
type pgDB struct {
	conn  *pgx.Conn
	tx    pgx.Tx
	write bool
	host  string
}

func (p *pgDB) name() string   { return "PostgreSQL " + p.host }
func (p *pgDB) postgres() bool { return true }

func (p *pgDB) begin(ctx context.Context) error {
	opts := pgx.TxOptions{}
	if !p.write {
		opts = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	}
	tx, err := p.conn.BeginTx(ctx, opts)
	p.tx = tx
	return err
}

func (p *pgDB) tables(ctx context.Context) ([]table, error) { return pgTables(ctx, p.tx) }

func (p *pgDB) count(ctx context.Context, table string) (int64, error) {
	var n int64
	err := p.tx.QueryRow(ctx, "SELECT count(*) FROM "+quote(table)).Scan(&n)
	return n, err
}

func (p *pgDB) rows(ctx context.Context, table string, cols []column, key []string) (rowIter, error) {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = quote(c.name)
		if c.kind == kindJSON || c.kind == kindText {
			sel[i] += "::text" // jsonb as written, any text-like type as text
		}
	}
	order := make([]string, len(key))
	for i, k := range key {
		order[i] = quote(k)
		if c, ok := findColumn(cols, k); ok && c.kind == kindText {
			order[i] += ` COLLATE "C"` // byte order, as SQLite's BINARY collation
		}
	}
	rows, err := p.tx.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+quote(table)+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return nil, err
	}
	return &pgRows{rows: rows, cols: cols}, nil
}

// findColumn returns the column of cols named name.
func findColumn(cols []column, name string) (column, bool) {
	for _, c := range cols {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// pgRows iterates over the rows of a PostgreSQL query.
type pgRows struct {
	rows pgx.Rows
	cols []column
}

func (r *pgRows) next() ([]any, error) {
	if !r.rows.Next() {
		return nil, r.rows.Err()
	}
	vals, err := r.rows.Values()
	if err != nil {
		return nil, err
	}
	return normalizeRow(r.cols, vals)
}

func (r *pgRows) close() { r.rows.Close() }

func (p *pgDB) insert(ctx context.Context, table string, cols []column, next func() ([]any, error)) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	_, err := p.tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(func() ([]any, error) {
		row, err := next()
		if row == nil || err != nil {
			return nil, err
		}
		for i, v := range row {
			row[i] = forPostgres(cols[i].kind, v)
		}
		return row, nil
	}))
	return err
}

func (p *pgDB) clear(ctx context.Context, tables []string) error {
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = quote(t)
	}
	_, err := p.tx.Exec(ctx, "TRUNCATE "+strings.Join(quoted, ", "))
	return err
}

// afterCopy moves the sequence of every identity or serial column past the largest copied
// value. It never moves a sequence back: ids are never reused.
func (p *pgDB) afterCopy(ctx context.Context, name string, t table) error {
	for _, c := range t.columns {
		if !c.serial {
			continue
		}
		var seq *string
		if err := p.tx.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, $2)", quote(name), c.name).Scan(&seq); err != nil {
			return err
		}
		if seq == nil {
			continue
		}
		var top *int64
		if err := p.tx.QueryRow(ctx, "SELECT max("+quote(c.name)+")::bigint FROM "+quote(name)).Scan(&top); err != nil {
			return err
		}
		if top == nil {
			continue
		}
		var last int64
		var called bool
		if err := p.tx.QueryRow(ctx, "SELECT last_value, is_called FROM "+*seq).Scan(&last, &called); err != nil {
			return err
		}
		if called && last >= *top {
			continue
		}
		if _, err := p.tx.Exec(ctx, "SELECT setval($1::regclass, $2, true)", *seq, *top); err != nil {
			return err
		}
	}
	return nil
}

func (p *pgDB) commit(ctx context.Context) error { return p.tx.Commit(ctx) }

func (p *pgDB) rollback() {
	if p.tx != nil {
		_ = p.tx.Rollback(context.Background())
	}
}

func (p *pgDB) close() { _ = p.conn.Close(context.Background()) }
