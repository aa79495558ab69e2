package migrations_test

import (
	"database/sql"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/epicevents/epiccrm/migrations"
)

// apply runs the SQLite migration file name on db.
func apply(t *testing.T, db *sql.DB, name string) {
	t.Helper()
	b, err := fs.ReadFile(migrations.SQLite, name)
	require.NoError(t, err)
	_, err = db.Exec(string(b))
	require.NoError(t, err, name)
}

// Refresh tokens stored before migration 0003 take their own issue time as their family's
// start, and the down migration removes the column again.
func TestFamilyIssuedAtBackfill(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // one connection, one in-memory database
	t.Cleanup(func() { _ = db.Close() })
	apply(t, db, "0001_init.up.sql")
	apply(t, db, "0002_email_key.up.sql")

	_, err = db.Exec(`INSERT INTO users (id, username, email, email_key, role, date_joined, password_hash)
		VALUES (1, 'ann', 'ann@example.com', 'ann@example.com', 'sales', '2026-01-02T03:04:05.000000Z', 'x')`)
	require.NoError(t, err)
	issued := map[string]string{"a": "2026-01-02T03:04:05.123456Z", "b": "2026-02-03T04:05:06.654321Z"}
	for hash, at := range issued {
		_, err = db.Exec(`INSERT INTO refresh_tokens (hash, family_id, user_id, auth_version, issued_at, expires_at)
			VALUES (?, 'f', 1, 1, ?, '2026-12-31T00:00:00.000000Z')`, []byte(hash), at)
		require.NoError(t, err)
	}

	apply(t, db, "0003_family_issued_at.up.sql")
	for hash, at := range issued {
		var family string
		require.NoError(t, db.QueryRow("SELECT family_issued_at FROM refresh_tokens WHERE hash = ?", []byte(hash)).Scan(&family))
		assert.Equal(t, at, family, "token %s", hash)
	}

	apply(t, db, "0003_family_issued_at.down.sql")
	_, err = db.Exec("SELECT family_issued_at FROM refresh_tokens")
	assert.ErrorContains(t, err, "family_issued_at", "the column is gone")
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM refresh_tokens").Scan(&n))
	assert.Equal(t, len(issued), n, "the tokens stay")
}
