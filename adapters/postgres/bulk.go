package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// BulkLoad loads a generated data set (see sqlstore.BulkData) in one transaction, so that a
// failed load leaves nothing behind: the trigram (GIN) search indexes of the loaded tables are
// dropped, the rows written with COPY, the indexes built again from their saved definitions and
// the identity sequences moved past the loaded ids; then the tables are vacuumed and analyzed,
// so that the planner knows their new size and the indexes are ready for searching.
//
// A load cancelled through ctx returns only once PostgreSQL has rolled it back: its statements
// run on a context that is not cancelled, and the cancellation reaches them as a cancel request
// to the server (and between the rows of a COPY), so the connection stays usable for the
// ROLLBACK, which is waited for. Cancelling the statements by closing the connection, as pgx
// does for a cancelled context, would return at once while the server still rolls back, holding
// the locks of the dropped indexes on tables of millions of rows.
func (s *Store) BulkLoad(ctx context.Context, data sqlstore.BulkData, force bool, progress func(sqlstore.BulkProgress)) (err error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	run := context.WithoutCancel(ctx)
	committed := false
	pg := c.Conn().PgConn()
	requested := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(requested)
		cctx, cancel := context.WithTimeout(run, bulkCancelTimeout)
		defer cancel()
		_ = pg.CancelRequest(cctx)
	})
	defer func() {
		if !stop() {
			// The cancel request is being sent: wait for it (bounded by bulkCancelTimeout)
			// before the connection is closed, so that nothing else uses it meanwhile.
			<-requested
		}
		// After a cancel request or a failure, the connection is not given back to the pool,
		// where a late cancel could reach another statement.
		if ctx.Err() != nil || err != nil {
			_ = c.Hijack().Close(run)
			return
		}
		c.Release()
	}()
	defer func() {
		if err != nil && !committed && ctx.Err() != nil {
			err = fmt.Errorf("bulk load cancelled, nothing loaded: %w (%w)", context.Cause(ctx), err)
		}
	}()
	t, err := c.Begin(run)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() {
		if !committed {
			_ = t.Rollback(run)
		}
	}()
	cp := &copier{tx: tx{t: t, release: func() {}}, cancel: ctx}
	// The load runs as long as it takes: no statement timeout within its transaction; and the
	// search indexes are built with more memory than the server's default of 64 MB.
	for _, set := range []string{"SET LOCAL statement_timeout = 0", "SET LOCAL maintenance_work_mem = '256MB'"} {
		if _, err := cp.Exec(run, set); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
	}
	indexes, err := searchIndexes(run, t)
	if err != nil {
		return err
	}
	for name := range indexes {
		if _, err := t.Exec(run, "DROP INDEX "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("bulk load: dropping the search index %s: %w", name, err)
		}
	}
	if _, err := s.Store.BulkLoad(run, cp, data, force, progress); err != nil {
		return err
	}
	for name, def := range indexes {
		if err := ctx.Err(); err != nil {
			return err
		}
		if progress != nil {
			progress(sqlstore.BulkProgress{Table: "index " + name})
		}
		if _, err := t.Exec(run, def); err != nil {
			return fmt.Errorf("bulk load: building the search index %s again: %w", name, err)
		}
	}
	for _, table := range sqlstore.BulkTables {
		if _, err := t.Exec(run, "SELECT setval(pg_get_serial_sequence($1, 'id'), greatest(max(id), 1)) FROM "+table, table); err != nil {
			return fmt.Errorf("bulk load: moving the id sequence of %s: %w", table, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	committed = true
	if err := t.Commit(run); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	// VACUUM runs outside the transaction, on the same connection, and takes minutes on a large
	// table: lift the pool's statement timeout for it, and put it back before the connection
	// returns to the pool.
	if _, err := c.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer func() { _, _ = c.Exec(context.WithoutCancel(ctx), "RESET statement_timeout") }()
	for _, table := range sqlstore.BulkTables {
		if progress != nil {
			progress(sqlstore.BulkProgress{Table: "vacuum " + table})
		}
		if _, err := c.Exec(run, "VACUUM ANALYZE "+table); err != nil {
			return fmt.Errorf("bulk load: the data is loaded, but VACUUM ANALYZE %s failed (run it by hand): %w", table, err)
		}
	}
	return nil
}

// bulkCancelTimeout bounds the sending of the cancel request of a cancelled bulk load.
const bulkCancelTimeout = 10 * time.Second

// searchIndexes returns the definitions of the trigram (GIN) indexes of the bulk-loaded
// tables, by name.
func searchIndexes(ctx context.Context, t pgx.Tx) (map[string]string, error) {
	rows, err := t.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = ANY($1) AND indexdef LIKE '%USING gin%'`, sqlstore.BulkTables)
	if err != nil {
		return nil, fmt.Errorf("bulk load: reading the search indexes: %w", err)
	}
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var d [2]string
		return d, r.Scan(&d[0], &d[1])
	})
	if err != nil {
		return nil, fmt.Errorf("bulk load: reading the search indexes: %w", err)
	}
	out := make(map[string]string, len(defs))
	for _, d := range defs {
		out[d[0]] = d[1]
	}
	return out, nil
}

// copier writes a bulk load's rows with COPY, in the load's transaction. It stops between two
// rows once cancel is done: the COPY then fails cleanly (CopyFail), the connection intact.
type copier struct {
	tx
	cancel context.Context
}

// Copy implements sqlstore.Copier with pgx's CopyFrom.
func (c *copier) Copy(ctx context.Context, table string, cols []string, n int64, row func(int64) []any, done func(int64)) error {
	var i int64
	_, err := c.t.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		if err := c.cancel.Err(); err != nil {
			return nil, err
		}
		i++
		if i%10_000 == 0 && i < n {
			done(i)
		}
		return row(i), nil
	}))
	return err
}
