package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// Users stored before usernames and emails were compared canonically do not make migrating
// fail: migrating up computes every key it can, leaves a colliding account's key as it was, and
// from then on a new look-alike of an existing account is refused.
func TestMigrateUpRekeysExistingUsers(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	for _, u := range []struct{ username, email string }{
		{"Sam", "jose\u0301@x.test"}, // an email in NFD
		{"sam", "josé@x.test"},       // a username differing in case; the same email in NFC
		{"Émile", "EMILE@x.test"},
	} {
		_, err := s.Pool().Exec(ctx, `INSERT INTO users (username, email, email_key, role, date_joined, password_hash)
			VALUES ($1, $2, lower($2), 'sales', now(), 'h')`, u.username, u.email)
		require.NoError(t, err, "the old rules let %s in", u.username)
	}

	require.NoError(t, s.MigrateUp(ctx), "migrating does not fail on duplicates under the new rules")
	n, err := s.RekeyUsers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "each Sam keeps one old key")

	keys := map[string][2]any{}
	rows, err := s.Pool().Query(ctx, "SELECT username, email_key, username_skeleton FROM users")
	require.NoError(t, err)
	for rows.Next() {
		var name, email string
		var skeleton *string
		require.NoError(t, rows.Scan(&name, &email, &skeleton))
		keys[name] = [2]any{email, skeleton}
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Equal(t, "jose\u0301@x.test", keys["Sam"][0], "an email key that would collide stays as it was")
	assert.Equal(t, crm.UsernameSkeleton("sam"), *keys["Sam"][1].(*string), "the first Sam gets its skeleton")
	assert.Equal(t, crm.EmailKey("josé@x.test"), keys["sam"][0], "an email key already canonical stays")
	assert.Nil(t, keys["sam"][1], "a colliding skeleton stays unset")
	assert.Equal(t, "emile@x.test", keys["Émile"][0])

	err = s.CreateUser(ctx, &crm.User{Username: "\u0455am", Email: "other@x.test", Role: crm.RoleSales,
		PasswordHash: "h", AuthVersion: 1}, nil)
	assert.Equal(t, crm.ECONFLICT, crm.ErrorCode(err), "a look-alike of an existing account is refused: %v", err)
	err = s.CreateUser(ctx, &crm.User{Username: "other", Email: "JOSE\u0301@x.test", Role: crm.RoleSales,
		PasswordHash: "h", AuthVersion: 1}, nil)
	assert.Equal(t, crm.ECONFLICT, crm.ErrorCode(err), "an existing email in another form is refused: %v", err)
}
