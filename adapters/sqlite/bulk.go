package sqlite

import (
	"context"
	"database/sql"
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
// failed load leaves nothing behind. The FTS5 search index is not written row by row by its
// triggers: the insert triggers of the loaded tables are dropped for the load and created
// again from their saved definitions, and each FTS5 table is filled once, from the loaded
// rows, at the end. ANALYZE then updates the planner's statistics.
func (s *Store) BulkLoad(ctx context.Context, data sqlstore.BulkData, force bool, progress func(sqlstore.BulkProgress)) error {
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", bulkCachePages)); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _, _ = c.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000") }()
	t, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _ = t.Rollback() }()
	triggers, err := ftsTriggers(ctx, t)
	if err != nil {
		return err
	}
	for name := range triggers {
		if _, err := t.ExecContext(ctx, `DROP TRIGGER "`+name+`"`); err != nil {
			return fmt.Errorf("bulk load: dropping the trigger %s: %w", name, err)
		}
	}
	cp := &copier{txn: txn{tx: t, health: s.health}}
	off, err := s.Store.BulkLoad(ctx, cp, data, force, progress)
	if err != nil {
		return err
	}
	for table, from := range map[string]int64{"clients": off.Clients, "events": off.Events} {
		if progress != nil {
			progress(sqlstore.BulkProgress{Table: table + "_fts"})
		}
		if _, err := t.ExecContext(ctx, "INSERT INTO "+table+"_fts (rowid, search_text) SELECT id, search_text FROM "+
			table+" WHERE id > ? AND search_text IS NOT NULL ORDER BY id", from); err != nil {
			return fmt.Errorf("bulk load: filling the search index of %s: %w", table, err)
		}
	}
	for name, def := range triggers {
		if _, err := t.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("bulk load: creating the trigger %s again: %w", name, err)
		}
	}
	if err := t.Commit(); err != nil {
		s.health.record(err)
		return fmt.Errorf("bulk load: %w", err)
	}
	if progress != nil {
		progress(sqlstore.BulkProgress{Table: "analyze"})
	}
	if _, err := c.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("bulk load: ANALYZE: %w", err)
	}
	return nil
}

// ftsTriggers returns the definitions of the triggers that index the inserted rows of the
// bulk-loaded tables in their FTS5 tables (<table>_fts_insert), by name.
func ftsTriggers(ctx context.Context, t *sql.Tx) (map[string]string, error) {
	out := map[string]string{}
	for _, table := range sqlstore.BulkTables {
		var name, def string
		err := t.QueryRowContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
			table+"_fts_insert").Scan(&name, &def)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("bulk load: reading the search triggers: %w", err)
		}
		out[name] = def
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
