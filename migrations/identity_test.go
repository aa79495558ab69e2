package migrations_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Audit entries written before migration 0004 take their actor's current username and name
// (the username when the names are empty); the system's and a deleted user's entries stay empty.
// The users' skeletons start unset, which the unique index allows for any number of users, and
// the down migration removes the new columns.
func TestIdentityMigration(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	for _, f := range []string{"0001_init.up.sql", "0002_email_key.up.sql", "0003_family_issued_at.up.sql"} {
		apply(t, db, f)
	}
	for _, u := range []struct {
		id                    int
		username, first, last string
	}{{1, "ada", "Ada", "Moreau"}, {2, "Sam", "", ""}} {
		_, err = db.Exec(`INSERT INTO users (id, username, email, email_key, first_name, last_name, role, date_joined, password_hash)
			VALUES (?, ?, ?, ?, ?, ?, 'sales', '2026-01-02T03:04:05.000000Z', 'x')`,
			u.id, u.username, u.username+"@x.test", u.username+"@x.test", u.first, u.last)
		require.NoError(t, err)
	}
	for id, actor := range []int{0, 1, 2, 99} {
		_, err = db.Exec(`INSERT INTO audit (id, at, actor_id, action, resource, resource_id)
			VALUES (?, '2026-01-02T03:04:05.000000Z', ?, 'update', 'client', 1)`, id+1, actor)
		require.NoError(t, err)
	}

	apply(t, db, "0004_identity.up.sql")
	want := map[int][2]string{0: {"", ""}, 1: {"ada", "Ada Moreau"}, 2: {"Sam", "Sam"}, 99: {"", ""}}
	rows, err := db.Query("SELECT actor_id, actor_username, actor_name FROM audit")
	require.NoError(t, err)
	for rows.Next() {
		var actor int
		var username, name string
		require.NoError(t, rows.Scan(&actor, &username, &name))
		assert.Equal(t, want[actor], [2]string{username, name}, "actor %d", actor)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	var unset int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM users WHERE username_skeleton IS NULL").Scan(&unset))
	assert.Equal(t, 2, unset, "skeletons are computed by the application, after migrating")

	apply(t, db, "0004_identity.down.sql")
	_, err = db.Exec("SELECT actor_username FROM audit")
	assert.ErrorContains(t, err, "actor_username", "the column is gone")
	_, err = db.Exec("SELECT username_skeleton FROM users")
	assert.ErrorContains(t, err, "username_skeleton", "the column is gone")
}
