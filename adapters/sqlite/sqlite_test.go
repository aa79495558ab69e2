package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/crm/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return sqlitetest.New(t) })
}

// TestStoreSupportEach runs the list tests of the suite with every page of a support user
// checking the support scope record by record (the form for a caller assigned many events),
// which their few events would not otherwise choose: it must read what the list form reads.
func TestStoreSupportEach(t *testing.T) {
	storetest.RunLists(t, func(t *testing.T) storetest.Store {
		s := sqlitetest.New(t)
		s.SetSupportEachFrom(1)
		return s
	})
}

// TestStoreSmallSearchWindow runs the list tests of the suite with a search window of a row or
// three, so that their searches by a related record's fields, which hold a few rows, take both
// steps of a windowed search (the window walked record by record, then the FTS5 index for the
// rest): they must find what one query finds.
func TestStoreSmallSearchWindow(t *testing.T) {
	for _, window := range []int64{1, 3} {
		t.Run(fmt.Sprint(window), func(t *testing.T) {
			storetest.RunLists(t, func(t *testing.T) storetest.Store {
				s := sqlitetest.New(t)
				s.SetSearchWindow(window)
				return s
			})
		})
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s := sqlitetest.New(t)
	ctx := context.Background()
	reader, writer := s.Pools()

	// Hold as many connections as each pool allows at once, so that every one of them is
	// opened and checked, not the same idle one again and again.
	for _, p := range []struct {
		name     string
		db       *sql.DB
		n        int
		readOnly bool
	}{
		{"reader", reader, reader.Stats().MaxOpenConnections, true},
		{"writer", writer, 1, false},
	} {
		require.Positive(t, p.n, p.name)
		conns := make([]*sql.Conn, p.n)
		for i := range conns {
			c, err := p.db.Conn(ctx)
			require.NoError(t, err)
			conns[i] = c
		}
		for i, c := range conns {
			var mode string
			var busy, fk, queryOnly int
			require.NoError(t, c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
			require.NoError(t, c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
			require.NoError(t, c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
			require.NoError(t, c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&queryOnly))
			assert.Equal(t, "wal", mode, "%s connection %d", p.name, i)
			assert.GreaterOrEqual(t, busy, 5000, "%s connection %d", p.name, i)
			assert.Equal(t, 1, fk, "%s connection %d", p.name, i)
			assert.Equal(t, p.readOnly, queryOnly == 1, "%s connection %d: read-only", p.name, i)
		}
		for _, c := range conns {
			require.NoError(t, c.Close())
		}
	}
	assert.Equal(t, 1, writer.Stats().MaxOpenConnections, "writes go through one connection")
}

func TestConcurrentWriters(t *testing.T) {
	s := sqlitetest.New(t)
	ctx := context.Background()
	u := &crm.User{Username: "sales", Email: "sales@example.com", Role: crm.RoleSales, IsActive: true,
		DateJoined: time.Now(), PasswordHash: "h", AuthVersion: 1}
	require.NoError(t, s.CreateUser(ctx, u, nil))

	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := 0; i < writers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			now := time.Now()
			c := &crm.Client{FirstName: "Ann", LastName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.com", i),
				Status: crm.ClientPotential, SalesContactID: &u.ID, DateCreated: now, DateUpdated: now}
			errs <- s.CreateClient(ctx, c, []crm.AuditEntry{{At: now, Action: crm.ActionCreate, Resource: crm.ResourceClient}})
		}()
		go func() {
			defer wg.Done()
			_, _, err := s.ListClients(ctx, crm.ClientFilter{}, crm.FullAccess)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "no writer or reader sees SQLITE_BUSY")
	}
	clients, _, err := s.ListClients(ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}}, crm.FullAccess)
	require.NoError(t, err)
	assert.Len(t, clients, writers, "every write committed")
	audit, _, err := s.ListAudit(ctx, crm.AuditFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	assert.Len(t, audit, writers, "every audit entry committed")
}

func TestMigrateUpDownUp(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crm.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	version, dirty, err := s.MigrateVersion()
	require.NoError(t, err)
	assert.Equal(t, uint(0), version, "a new database has no migration")
	assert.False(t, dirty)

	require.NoError(t, s.MigrateUp(ctx))
	require.NoError(t, s.MigrateUp(ctx), "migrating an up-to-date database is no error")
	version, dirty, err = s.MigrateVersion()
	require.NoError(t, err)
	latest, err := s.LatestMigration()
	require.NoError(t, err)
	assert.Equal(t, latest, version)
	assert.False(t, dirty)
	err = s.CreateSession(ctx, &crm.Session{IDHash: []byte("x"), UserID: 1})
	assert.Equal(t, crm.ECONFLICT, crm.ErrorCode(err), "foreign keys are enforced: %v", err)

	require.NoError(t, s.MigrateDown(ctx))
	version, _, err = s.MigrateVersion()
	require.NoError(t, err)
	assert.Equal(t, uint(0), version)
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Error(t, err, "the tables are gone")
	reader, _ := s.Pools()
	rows, err := reader.QueryContext(ctx, "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'schema_migrations' ORDER BY name")
	require.NoError(t, err)
	var left []string // beside golang-migrate's own table and index
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		left = append(left, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	assert.Empty(t, left, "the down migrations undo every table, index, view and trigger")

	require.NoError(t, s.MigrateUp(ctx))
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "the tables are back, empty")
	require.NoError(t, s.Ping(ctx))
}

func TestOpenRefusesBadPaths(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro", filepath.Join(t.TempDir(), "missing", "dir", "crm.db")} {
		_, err := sqlite.Open(ctx, path)
		assert.Error(t, err, "path %q", path)
	}
}

func TestPoolStatistics(t *testing.T) {
	s := sqlitetest.New(t)
	require.NoError(t, s.Ping(context.Background()))
	assert.GreaterOrEqual(t, s.Stats().OpenConnections, 1, "the ping opened a read connection")
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return sqlitetest.New(b) })
}
