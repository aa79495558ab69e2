package dbcopy_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/dbcopy"
)

// TestCopyManyRows copies EPICCRM_COPY_ROWS audit rows (skipped when unset), and reports the
// time and the memory it took: run it with EPICCRM_COPY_ROWS=1000000 to size a migration.
func TestCopyManyRows(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("EPICCRM_COPY_ROWS"))
	if n == 0 {
		t.Skip("set EPICCRM_COPY_ROWS to the number of rows to copy")
	}
	ctx := context.Background()
	srcURL, src := newSQLite(t)
	_, err := src.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO audit (at, actor_id, action, resource, resource_id, changes)
		SELECT ?, i % 7, 'update', 'client', i, '{"status": ["potential", "existing"]}' FROM seq`, n, at)
	require.NoError(t, err)
	pgURL, pg := newPostgres(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = dbcopy.Copy(ctx, srcURL, pgURL, dbcopy.Options{})
	require.NoError(t, err)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("copied %d rows in %s; heap in use after: %d MiB", n, time.Since(start).Round(time.Millisecond), after.HeapInuse>>20)
	assert.Equal(t, int64(n), pgCounts(t, pg, pgURL)["audit"])
}
