package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// bulkRowsPerInsert is how many rows one INSERT of a bulk load writes: a few hundred rows share
// one statement's overhead, well within SQLite's limit of 32,766 parameters.
const bulkRowsPerInsert = 500

// bulkCachePages is the page cache of the writer connection during a bulk load (negative: in
// KiB), so that the tables and indexes being written stay in memory until the commit.
const bulkCachePages = -256 * 1024

// BulkLoad loads a generated data set (see sqlstore.BulkData) in one transaction, so that a
// failed load leaves nothing behind. Neither the indexes nor the FTS5 search index are written
// row by row: the indexes and the FTS5 insert triggers of the loaded tables are dropped for the
// load and created again from their saved definitions at the end (building an index from a
// sort of its rows costs a fraction of inserting them one by one into a large B-tree), and
// each FTS5 table is filled once, from the loaded rows, then merged into one segment
// ('optimize'), so that a search reads one segment per trigram. Statement journals stay in
// memory during the load (temp_store). ANALYZE then updates the planner's statistics of the
// loaded tables.
func (s *Store) BulkLoad(ctx context.Context, data sqlstore.BulkData, force bool, progress func(sqlstore.BulkProgress)) error {
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _ = c.Close() }()
	// The connection is discarded after the load rather than set back (its page cache and
	// temp_store): the writer pool opens a new one, with the settings of its DSN, when it next
	// needs one.
	defer func() { _ = c.Raw(func(any) error { return driver.ErrBadConn }) }()
	for _, p := range bulkPragmas {
		if _, err := c.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
	}
	t, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _ = t.Rollback() }()
	saved, err := bulkSchema(ctx, t)
	if err != nil {
		return err
	}
	for _, o := range saved {
		if _, err := t.ExecContext(ctx, "DROP "+o.kind+` "`+o.name+`"`); err != nil {
			return fmt.Errorf("bulk load: dropping the %s %s: %w", o.kind, o.name, err)
		}
	}
	cp := &copier{txn: txn{tx: t, health: s.health}}
	off, err := s.Store.BulkLoad(ctx, cp, data, force, progress)
	if err != nil {
		return err
	}
	step := func(name string) {
		if progress != nil {
			progress(sqlstore.BulkProgress{Table: name})
		}
	}
	step("indexes")
	for _, o := range saved {
		if o.kind != "INDEX" {
			continue
		}
		if _, err := t.ExecContext(ctx, o.def); err != nil {
			return fmt.Errorf("bulk load: creating the index %s again: %w", o.name, err)
		}
	}
	for _, f := range ftsFills(off) {
		step(f.table + "_fts")
		if err := fillFTS(ctx, t, f); err != nil {
			return fmt.Errorf("bulk load: filling the search index of %s: %w", f.table, err)
		}
	}
	for _, o := range saved {
		if o.kind != "TRIGGER" {
			continue
		}
		if _, err := t.ExecContext(ctx, o.def); err != nil {
			return fmt.Errorf("bulk load: creating the trigger %s again: %w", o.name, err)
		}
	}
	if err := t.Commit(); err != nil {
		s.health.record(err)
		return fmt.Errorf("bulk load: %w", err)
	}
	step("analyze")
	// Only the loaded tables: statistics of the FTS5 tables' own tables (sqlite_stat4 samples
	// of <table>_fts_idx) would make FTS5 prepare its term look-up again at every search.
	for _, table := range sqlstore.BulkTables {
		if _, err := c.ExecContext(ctx, "ANALYZE "+table); err != nil {
			return fmt.Errorf("bulk load: ANALYZE %s: %w", table, err)
		}
	}
	return nil
}

// ftsFill is the fill of one table's FTS5 table by a bulk load: the columns of the FTS5 table,
// the table or view whose rows hold them (what its insert trigger reads, migrations 0020 and
// 0021), and the id after which the rows are the load's.
type ftsFill struct {
	table, columns, source string
	from                   int64
}

// ftsFills are the fills of the FTS5 tables of the tables a bulk load writes rows to after off.
func ftsFills(off sqlstore.BulkOffsets) []ftsFill {
	return []ftsFill{
		{"clients", "search_text, owned", "clients_owned", off.Clients},
		{"contracts", "search_text, owned", "contracts_owned", off.Contracts},
		{"events", "search_text, owned", "events_owned", off.Events},
	}
}

// ftsLoadSettings are the FTS5 settings of a bulk load's fill of a search index, with their
// defaults: a large in-memory buffer of terms (hashsize), so that the fill writes a few large
// segments rather than one per MiB of terms, and no merging while it writes them (automerge,
// crisismerge): 'optimize' merges them all once at the end.
var ftsLoadSettings = []struct {
	name       string
	load, dflt int
}{
	{"hashsize", 128 << 20, 1 << 20},
	{"automerge", 0, 4},
	{"crisismerge", 1000, 16},
}

// fillFTS indexes the rows of f.table after id f.from in its FTS5 table, in one pass, with the
// settings of ftsLoadSettings, then merges the index into one segment ('optimize'), so that a
// search reads one segment per trigram, and sets the settings back: to what the table's
// configuration held, or else to their defaults. (A failure rolls the load's transaction back,
// settings included.)
func fillFTS(ctx context.Context, t *sql.Tx, f ftsFill) error {
	fts := f.table + "_fts"
	configure := func(name string, v any) error {
		_, err := t.ExecContext(ctx, "INSERT INTO "+fts+" ("+fts+", rank) VALUES (?, ?)", name, v)
		return err
	}
	saved := make([]any, len(ftsLoadSettings))
	for i, c := range ftsLoadSettings {
		saved[i] = c.dflt
		err := t.QueryRowContext(ctx, "SELECT v FROM "+fts+"_config WHERE k = ?", c.name).Scan(&saved[i])
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if err := configure(c.name, c.load); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO "+fts+" (rowid, "+f.columns+") SELECT id, "+f.columns+" FROM "+
		f.source+" WHERE id > ? AND search_text IS NOT NULL ORDER BY id", f.from); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO "+fts+" ("+fts+") VALUES ('optimize')"); err != nil {
		return err
	}
	for i, c := range ftsLoadSettings {
		if err := configure(c.name, saved[i]); err != nil {
			return err
		}
	}
	return nil
}

// bulkPragmas are the settings of the writer connection during a bulk load: a page cache large
// enough to hold the tables being written until the commit, and statement journals (written
// for every multi-row INSERT) and sorts (of CREATE INDEX) in memory rather than in temporary
// files.
var bulkPragmas = []string{fmt.Sprintf("cache_size = %d", bulkCachePages), "temp_store = MEMORY"}

// schemaObject is an index or trigger that a bulk load drops and creates again.
type schemaObject struct {
	kind, name, def string
}

// bulkSchema returns the definitions of what a bulk load drops and creates again: the indexes
// of the bulk-loaded tables (those of their definition, not the primary keys) and the
// triggers that index their inserted rows in their FTS5 tables (<table>_fts_insert).
func bulkSchema(ctx context.Context, t *sql.Tx) ([]schemaObject, error) {
	var out []schemaObject
	for _, table := range sqlstore.BulkTables {
		rows, err := t.QueryContext(ctx, `SELECT upper(type), name, sql FROM sqlite_master
			WHERE tbl_name = ? AND sql IS NOT NULL AND (type = 'index' OR (type = 'trigger' AND name = ?))
			ORDER BY type, name`, table, table+"_fts_insert")
		if err != nil {
			return nil, fmt.Errorf("bulk load: reading the indexes and triggers of %s: %w", table, err)
		}
		for rows.Next() {
			var o schemaObject
			if err := rows.Scan(&o.kind, &o.name, &o.def); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("bulk load: reading the indexes and triggers of %s: %w", table, err)
			}
			out = append(out, o)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("bulk load: reading the indexes and triggers of %s: %w", table, err)
		}
	}
	return out, nil
}

// copier writes a bulk load's rows with multi-row INSERTs, in the load's transaction.
type copier struct{ txn }

// Copy implements sqlstore.Copier: INSERTs of bulkRowsPerInsert rows, one prepared statement
// for all the full ones.
func (c *copier) Copy(ctx context.Context, table string, cols []string, n int64, row func(int64) []any, done func(int64)) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	insert := func(rows int64) string {
		return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", int(rows)), ", ")
	}
	full, err := c.tx.PrepareContext(ctx, insert(bulkRowsPerInsert))
	if err != nil {
		return err
	}
	defer func() { _ = full.Close() }()
	args := make([]any, 0, bulkRowsPerInsert*len(cols))
	for i := int64(1); i <= n; {
		if err := ctx.Err(); err != nil {
			return err // the driver does not always notice a cancelled context by itself
		}
		k := min(bulkRowsPerInsert, n-i+1)
		args = args[:0]
		for range k {
			args = append(args, row(i)...)
			i++
		}
		if k == bulkRowsPerInsert {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = c.tx.ExecContext(ctx, insert(k), args...)
		}
		if err != nil {
			return err
		}
		if (i-1)%10_000 < bulkRowsPerInsert && i <= n {
			done(i - 1)
		}
	}
	return nil
}
