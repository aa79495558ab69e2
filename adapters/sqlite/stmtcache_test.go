package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// openTestPool opens a pool of n connections on a new file with one table t of three rows.
func openTestPool(t *testing.T, n int) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := openPool(ctx, filepath.Join(t.TempDir(), "cache.db"), false, n)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
	require.NoError(t, err)
	return db
}

// get returns the kept statement of query, released at the end of the test.
func get(t *testing.T, c *stmtCache, query string) *keptStmt {
	t.Helper()
	k, err := c.stmt(context.Background(), query)
	require.NoError(t, err)
	t.Cleanup(func() { c.release(k) })
	return k
}

func TestStmtCacheKeepsStatementsByText(t *testing.T) {
	ctx := context.Background()
	c := newStmtCache(openTestPool(t, 2), 2)
	s1 := get(t, c, "SELECT name FROM t WHERE id = ?")
	s2 := get(t, c, "SELECT name FROM t WHERE id = ?")
	assert.Same(t, s1, s2, "the same text, the same statement")
	var name string
	require.NoError(t, s2.stmt.QueryRowContext(ctx, 2).Scan(&name))
	assert.Equal(t, "b", name)

	get(t, c, "SELECT count(*) FROM t")
	get(t, c, "SELECT name FROM t WHERE id = ?") // now the most recent
	get(t, c, "SELECT max(id) FROM t")           // evicts the count
	assert.Equal(t, 2, c.len())
	assert.Same(t, s1, get(t, c, "SELECT name FROM t WHERE id = ?"), "the recently used statement stays")
}

// An evicted statement is closed once no read holds it: reads that hold it, or its open rows,
// go on.
func TestStmtCacheClosesWhatItEvictsOnceReleased(t *testing.T) {
	ctx := context.Background()
	c := newStmtCache(openTestPool(t, 2), 1)
	first, err := c.stmt(ctx, "SELECT name FROM t ORDER BY id")
	require.NoError(t, err)
	rows, err := first.stmt.QueryContext(ctx)
	require.NoError(t, err)
	get(t, c, "SELECT id FROM t") // evicts first, which a read holds
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	assert.Equal(t, []string{"a", "b", "c"}, names, "open rows of an evicted statement read to their end")
	var n int
	require.NoError(t, first.stmt.QueryRowContext(ctx).Scan(new(string)), "held, the evicted statement still runs")
	c.release(first)
	assert.Error(t, first.stmt.QueryRowContext(ctx).Scan(&n), "released, it is closed")

	unheld := get(t, c, "SELECT 1")
	c.release(unheld) // get's cleanup releases it once more, harmlessly past zero
	get(t, c, "SELECT 2")
	assert.Error(t, unheld.stmt.QueryRowContext(ctx).Scan(&n), "evicted with no read holding it, it is closed at once")
}

func TestStmtCacheRefusesBadSQLAndKeepsNothing(t *testing.T) {
	c := newStmtCache(openTestPool(t, 1), 4)
	_, err := c.stmt(context.Background(), "SELECT nope FROM t")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such column")
	assert.Zero(t, c.len())
}

func TestStmtCacheFollowsSchemaChanges(t *testing.T) {
	ctx := context.Background()
	db := openTestPool(t, 1)
	c := newStmtCache(db, 4)
	k := get(t, c, "SELECT * FROM t WHERE id = 1")
	cols := func() []string {
		rows, err := k.stmt.QueryContext(ctx)
		require.NoError(t, err)
		defer func() { _ = rows.Close() }()
		names, err := rows.Columns()
		require.NoError(t, err)
		return names
	}
	assert.Equal(t, []string{"id", "name"}, cols())
	_, err := db.ExecContext(ctx, "ALTER TABLE t ADD COLUMN city TEXT")
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "name", "city"}, cols(), "the kept statement is prepared again")
}

func TestStmtCacheClosed(t *testing.T) {
	ctx := context.Background()
	c := newStmtCache(openTestPool(t, 1), 4)
	held, err := c.stmt(ctx, "SELECT 1")
	require.NoError(t, err)
	free, err := c.stmt(ctx, "SELECT 2")
	require.NoError(t, err)
	c.release(free)
	require.NoError(t, c.close())
	_, err = c.stmt(ctx, "SELECT 1")
	assert.ErrorIs(t, err, errCacheClosed)
	assert.Zero(t, c.len())
	var n int
	assert.Error(t, free.stmt.QueryRowContext(ctx).Scan(&n), "its statements are closed")
	require.NoError(t, held.stmt.QueryRowContext(ctx).Scan(&n), "but for those a read holds")
	c.release(held)
	assert.Error(t, held.stmt.QueryRowContext(ctx).Scan(&n), "until it releases them")
}

// Many reads of a few statements at once, on a pool of fewer connections and a cache of fewer
// statements, so that statements are evicted while reads hold them: each read gets its own
// row, and none fails (run with -race).
func TestStmtCacheConcurrentReads(t *testing.T) {
	ctx := context.Background()
	p := &pool{read: openTestPool(t, 3)}
	p.reads = newStmtCache(p.read, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := (g+i)%3 + 1
				query := fmt.Sprintf("SELECT name, %d FROM t WHERE id = ?", i%4) // four texts, two kept
				var name string
				var k int
				var err error
				if i%2 == 0 {
					err = p.QueryRow(ctx, query, id).Scan(&name, &k)
				} else {
					var rows sqlstore.Rows
					if rows, err = p.Query(ctx, query, id); err == nil {
						if rows.Next() {
							err = rows.Scan(&name, &k)
						}
						rows.Close()
					}
				}
				if err != nil {
					errs <- err
					return
				}
				if name != string(rune('a'+id-1)) || k != i%4 {
					errs <- fmt.Errorf("read %q %d for id %d, statement %d", name, k, id, i%4)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 2, p.reads.len())
}
