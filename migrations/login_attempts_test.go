package migrations_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Failed logins stored before migration 0005 stay failures (no attempt id), and the down
// migration drops the attempts in flight with the column, keeping the failures.
func TestLoginAttemptsMigration(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // one connection, one in-memory database
	t.Cleanup(func() { _ = db.Close() })
	for _, name := range []string{"0001_init.up.sql", "0002_email_key.up.sql", "0003_family_issued_at.up.sql", "0004_identity.up.sql"} {
		apply(t, db, name)
	}
	_, err = db.Exec(`INSERT INTO login_failures (key, at) VALUES ('user:ann', '2026-01-02T03:04:05.000000Z')`)
	require.NoError(t, err)

	apply(t, db, "0005_login_attempts.up.sql")
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM login_failures WHERE attempt IS NULL").Scan(&n))
	assert.Equal(t, 1, n, "an old failure is a failure")
	_, err = db.Exec(`INSERT INTO login_failures (key, at, attempt) VALUES ('account:1', '2026-01-02T03:04:06.000000Z', 'x')`)
	require.NoError(t, err)

	apply(t, db, "0005_login_attempts.down.sql")
	_, err = db.Exec("SELECT attempt FROM login_failures")
	assert.ErrorContains(t, err, "attempt", "the column is gone")
	require.NoError(t, db.QueryRow("SELECT count(*) FROM login_failures").Scan(&n))
	assert.Equal(t, 1, n, "the failure stays, the attempt in flight goes")
}
