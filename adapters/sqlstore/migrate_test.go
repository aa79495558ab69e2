package sqlstore_test

import (
	"testing"
	"testing/fstest"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/migrations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// migrationSet returns a migration set with an up and a down file for each name.
func migrationSet(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys[n+".up.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		fsys[n+".down.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	}
	return fsys
}

func TestLatestMigration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source fstest.MapFS
		want   uint
	}{
		{"one", migrationSet("0001_init"), 1},
		{"the highest, not the last listed", migrationSet("0010_more", "0002_index", "0001_init"), 10},
		{"gaps in the numbering", migrationSet("0001_init", "0003_skip", "0040_jump"), 40},
		{"none", fstest.MapFS{"README.md": &fstest.MapFile{Data: []byte("no migration here")}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := sqlstore.Migrator{Name: "TestDB", Source: tc.source}.LatestMigration()
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
		})
	}
	t.Run("a malformed set", func(t *testing.T) {
		bad := migrationSet("0001_init", "0002_twice")
		bad["0002_again.up.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		_, err := sqlstore.Migrator{Name: "TestDB", Source: bad}.LatestMigration()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "TestDB migrations")
	})
	t.Run("the embedded sets", func(t *testing.T) {
		lite, err := sqlstore.Migrator{Name: "SQLite", Source: migrations.SQLite}.LatestMigration()
		require.NoError(t, err)
		pg, err := sqlstore.Migrator{Name: "PostgreSQL", Source: migrations.Postgres}.LatestMigration()
		require.NoError(t, err)
		assert.Positive(t, lite)
		assert.Equal(t, lite, pg, "both dialects are at the same schema version")
	})
}
