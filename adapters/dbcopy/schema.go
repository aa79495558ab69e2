// Package dbcopy copies the whole EpicCRM database from one database to another (SQLite to
// PostgreSQL, and also PostgreSQL to SQLite, SQLite to SQLite and PostgreSQL to PostgreSQL), in
// one transaction on the target, and verifies the copy with a row count and a checksum per
// table computed the same way on both sides.
//
// The tables are not listed by hand: they are read from the target's schema (every base table
// but golang-migrate's schema_migrations and SQLite's own sqlite_* tables), so a table a new
// migration adds is copied without a change here. SQLite virtual tables (such as an FTS5 search
// index) and their shadow tables are skipped: they are derived data, rebuilt by the triggers
// that fill them as the base rows are inserted, or by the application. Generated columns
// (GENERATED ALWAYS AS ... on PostgreSQL, hidden or generated columns on SQLite) are skipped
// too: the target computes them; so are the PostgreSQL columns that a trigger writes from
// other rows, which their migration marks with a comment starting "derived:" (such as
// events.owner_id, migration 0021).
//
// Both databases must be at the same schema version (package dbcopy does not migrate: the
// caller does, see cmd/epiccrm's copy command).
package dbcopy

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// kind is the logical type of a column, which says how its values are converted between the
// two databases and rendered for the checksum.
type kind int

const (
	kindText kind = iota
	kindInteger
	kindBool
	kindFloat
	kindBytes
	kindTime // timestamptz on PostgreSQL, TEXT 2006-01-02T15:04:05.000000Z on SQLite
	kindDate // date on PostgreSQL, TEXT YYYY-MM-DD on SQLite
	kindJSON // jsonb on PostgreSQL, TEXT on SQLite
)

// column is one copied column.
type column struct {
	name string
	kind kind
	// serial is set for a PostgreSQL identity or serial column, whose sequence is set past the
	// copied values.
	serial bool
}

// table is one table of a database's schema.
type table struct {
	name    string
	columns []column
	key     []string // the primary key's columns, in order; every column when there is none
	refs    []string // the tables its foreign keys reference
}

// column returns the column named name.
func (t table) column(name string) (column, bool) {
	for _, c := range t.columns {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// querier is what a database handle or transaction of database/sql offers.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// skipped reports whether a table is never copied: the migrations' bookkeeping
// and SQLite's own tables (sqlite_sequence follows the copied ids by itself).
func skipped(name string) bool {
	return name == "schema_migrations" || strings.HasPrefix(name, "sqlite_")
}

// sqliteTables reads the copied tables of a SQLite database: ordinary tables only (PRAGMA
// table_list types "virtual" and "shadow" are left out), without hidden or generated columns.
func sqliteTables(ctx context.Context, q querier) ([]table, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing the SQLite tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if !skipped(n) {
			names = append(names, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the SQLite tables: %w", err)
	}
	_ = rows.Close()
	var tables []table
	for _, n := range names {
		t, err := sqliteTable(ctx, q, n)
		if err != nil {
			return nil, fmt.Errorf("reading the SQLite table %s: %w", n, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// sqliteTable reads the columns, primary key and references of one SQLite table.
func sqliteTable(ctx context.Context, q querier, name string) (table, error) {
	t := table{name: name}
	rows, err := q.QueryContext(ctx, `SELECT name, upper(type), pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`, name)
	if err != nil {
		return t, err
	}
	type pkcol struct {
		name string
		pos  int
	}
	var pk []pkcol
	for rows.Next() {
		var col, typ string
		var pos, hidden int
		if err := rows.Scan(&col, &typ, &pos, &hidden); err != nil {
			_ = rows.Close()
			return t, err
		}
		if hidden != 0 { // 1: a virtual table's hidden column; 2, 3: a generated column
			continue
		}
		k := kindText
		switch {
		case strings.Contains(typ, "INT"):
			k = kindInteger
		case strings.Contains(typ, "BLOB"):
			k = kindBytes
		case strings.Contains(typ, "REAL"), strings.Contains(typ, "FLOA"), strings.Contains(typ, "DOUB"):
			k = kindFloat
		}
		t.columns = append(t.columns, column{name: col, kind: k})
		if pos > 0 {
			pk = append(pk, pkcol{col, pos})
		}
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	_ = rows.Close()
	sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
	for _, p := range pk {
		t.key = append(t.key, p.name)
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			_ = rows.Close()
			return t, err
		}
		t.refs = append(t.refs, ref)
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	_ = rows.Close()
	return finish(t), nil
}

// finish orders a table's references and falls back to every column as its key.
func finish(t table) table {
	if len(t.key) == 0 {
		for _, c := range t.columns {
			t.key = append(t.key, c.name)
		}
	}
	sort.Strings(t.refs)
	return t
}

// pgQuerier is what a pgx connection or transaction offers.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgTables reads the copied tables of the current schema of a PostgreSQL database, without
// generated or derived columns.
func pgTables(ctx context.Context, q pgQuerier) ([]table, error) {
	rows, err := q.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("listing the PostgreSQL tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing the PostgreSQL tables: %w", err)
	}
	var tables []table
	for _, n := range names {
		if skipped(n) {
			continue
		}
		t, err := pgTable(ctx, q, n)
		if err != nil {
			return nil, fmt.Errorf("reading the PostgreSQL table %s: %w", n, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// pgTable reads the columns, primary key and references of one PostgreSQL table.
func pgTable(ctx context.Context, q pgQuerier, name string) (table, error) {
	t := table{name: name}
	rows, err := q.Query(ctx, `SELECT column_name::text, data_type::text, is_generated::text, is_identity::text,
			coalesce(column_default::text, ''),
			coalesce(col_description(format('%I.%I', table_schema, table_name)::regclass, ordinal_position::int), '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, name)
	if err != nil {
		return t, err
	}
	var col, typ, generated, identity, def, comment string
	_, err = pgx.ForEachRow(rows, []any{&col, &typ, &generated, &identity, &def, &comment}, func() error {
		if generated == "ALWAYS" || strings.HasPrefix(comment, "derived:") {
			return nil
		}
		t.columns = append(t.columns, column{name: col, kind: pgKind(typ),
			serial: identity == "YES" || strings.HasPrefix(def, "nextval(")})
		return nil
	})
	if err != nil {
		return t, err
	}
	rel := pgx.Identifier{name}.Sanitize()
	rows, err = q.Query(ctx, `SELECT a.attname::text FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indrelid = $1::regclass AND i.indisprimary
		ORDER BY array_position(i.indkey::int2[], a.attnum)`, rel)
	if err != nil {
		return t, err
	}
	if t.key, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return t, err
	}
	rows, err = q.Query(ctx, `SELECT DISTINCT c.relname::text FROM pg_constraint f JOIN pg_class c ON c.oid = f.confrelid
		WHERE f.conrelid = $1::regclass AND f.contype = 'f'`, rel)
	if err != nil {
		return t, err
	}
	if t.refs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return t, err
	}
	return finish(t), nil
}

// pgKind maps a PostgreSQL data type (information_schema's data_type) to its kind.
func pgKind(typ string) kind {
	switch typ {
	case "bigint", "integer", "smallint":
		return kindInteger
	case "boolean":
		return kindBool
	case "real", "double precision":
		return kindFloat
	case "bytea":
		return kindBytes
	case "timestamp with time zone", "timestamp without time zone":
		return kindTime
	case "date":
		return kindDate
	case "json", "jsonb":
		return kindJSON
	}
	return kindText
}

// dependencyOrder sorts tables so that every table comes after the tables it references (a
// table referencing itself is allowed), ties broken by name. A cycle is an error.
func dependencyOrder(tables []table) ([]table, error) {
	byName := map[string]table{}
	for _, t := range tables {
		byName[t.name] = t
	}
	var order []table
	done := map[string]bool{}
	for len(order) < len(tables) {
		var ready []string
		for _, t := range tables {
			if done[t.name] {
				continue
			}
			ok := true
			for _, r := range t.refs {
				if _, known := byName[r]; known && r != t.name && !done[r] {
					ok = false
				}
			}
			if ok {
				ready = append(ready, t.name)
			}
		}
		if len(ready) == 0 {
			return nil, fmt.Errorf("the foreign keys between the tables form a cycle: no order inserts every table after those it references")
		}
		slices.Sort(ready)
		for _, n := range ready {
			done[n] = true
			order = append(order, byName[n])
		}
	}
	return order, nil
}
