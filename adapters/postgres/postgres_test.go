package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/crm/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return pgtest.New(t) })
}

// TestStoreSmallSearchWindow runs the list tests of the suite with a search window of a row or
// three, so that their searches, which hold a few rows, take both steps of a windowed search
// (the window, then the index for the rest): they must find what one query finds.
func TestStoreSmallSearchWindow(t *testing.T) {
	for _, window := range []int64{1, 3} {
		t.Run(fmt.Sprint(window), func(t *testing.T) {
			storetest.RunLists(t, func(t *testing.T) storetest.Store {
				s := pgtest.New(t)
				s.SetSearchWindow(window)
				return s
			})
		})
	}
}

func TestMigrateUpDownUp(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	latest, err := s.LatestMigration()
	require.NoError(t, err)
	version, dirty, err := s.MigrateVersion()
	require.NoError(t, err)
	assert.Equal(t, latest, version)
	assert.False(t, dirty)
	require.NoError(t, s.MigrateUp(ctx), "migrating an up-to-date database is no error")

	require.NoError(t, s.MigrateDown(ctx))
	version, _, err = s.MigrateVersion()
	require.NoError(t, err)
	assert.Equal(t, uint(0), version)
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Error(t, err, "the tables are gone")
	rows, err := s.Pool().Query(ctx, `SELECT c.relkind::text || ' ' || c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() ORDER BY c.relname`)
	require.NoError(t, err)
	var left []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		left = append(left, name)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"r schema_migrations", "i schema_migrations_pkey"}, left,
		"the down migrations undo every table, index and sequence")
	var functions int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`).Scan(&functions))
	assert.Zero(t, functions, "the down migrations drop their functions (an extension's are its own)")

	require.NoError(t, s.MigrateUp(ctx))
	version, dirty, err = s.MigrateVersion()
	require.NoError(t, err)
	assert.Equal(t, latest, version)
	assert.False(t, dirty)
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "the tables are back, empty")
	require.NoError(t, s.Ping(ctx))
}

func TestUnreachableServer(t *testing.T) {
	ctx := context.Background()
	// Port 1 on the loopback refuses connections at once.
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:1", "the error names the server")

	_, err = postgres.Open(ctx, "mysql://nope")
	assert.Error(t, err)
}

func TestLostDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	require.NoError(t, s.Close())
	_, err := s.FindUser(ctx, 1, crm.Everything)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "a closed pool reads as unavailable: %v", err)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	s = pgtest.New(t)
	_, err = s.FindUser(canceled, 1, crm.Everything)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "a query cut short reads as unavailable: %v", err)
}

func TestPoolStatistics(t *testing.T) {
	s := pgtest.New(t)
	require.NoError(t, s.Ping(context.Background()))
	st := s.Stat()
	assert.Equal(t, max(int32(4), int32(runtime.NumCPU())), st.MaxConns(), "the default pool size: the cores, at least 4")
	assert.GreaterOrEqual(t, st.TotalConns(), int32(1), "the ping opened a connection")
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return pgtest.New(b) })
}

// TestUnanalyzedTablesAreReported checks the check run after migrating: a table holding data
// but never analyzed is reported (its plans rest on guesses), and no longer once analyzed.
func TestUnanalyzedTablesAreReported(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	_, err := s.Pool().Exec(ctx, `INSERT INTO clients (first_name, last_name, email, date_created, date_updated)
		SELECT 'Ana', 'Lys', 'ana' || g || '@example.com', now(), now() FROM generate_series(1, 500) g`)
	require.NoError(t, err)
	tables, err := s.Unanalyzed(ctx, 1)
	require.NoError(t, err)
	assert.Contains(t, tables, "clients", "a table with rows and no statistics is reported")
	assert.NotContains(t, tables, "contracts", "an empty table is not")

	_, err = s.Pool().Exec(ctx, "ANALYZE clients")
	require.NoError(t, err)
	tables, err = s.Unanalyzed(ctx, 1)
	require.NoError(t, err)
	assert.NotContains(t, tables, "clients", "an analyzed table is not reported")
	tables, err = s.Unanalyzed(ctx, 1_000_000)
	require.NoError(t, err)
	assert.Empty(t, tables, "nor a table below the size given")
}
