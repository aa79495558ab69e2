package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// importSetup makes a database whose one user is the superuser boss, and writes the good and
// the bad file to import; it returns the database's URL and the files' paths.
func importSetup(t *testing.T, goodFile, badFile string) (url, good, bad string) {
	t.Helper()
	url = sqliteURL(t)
	r := runCmd(t, context.Background(), "Velvet-Harbor-91\n", nil, "createsuperuser", "--username", "boss",
		"--email", "boss@real.example", "--password-stdin", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	dir := t.TempDir()
	good, bad = filepath.Join(dir, "good.csv"), filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(good, []byte(goodFile), 0o600))
	require.NoError(t, os.WriteFile(bad, []byte(badFile), 0o600))
	return url, good, bad
}

// TestImportClientsCommand imports a file as a user: the dry run writes nothing and says what
// it would do, a bad file is refused with every bad line and writes nothing, a good one is
// applied.
func TestImportClientsCommand(t *testing.T) {
	ctx := context.Background()
	url, good, bad := importSetup(t, "email,first_name,last_name\nann@a.example,Ann,A\nbob@b.example,Bob,B\n",
		"email,first_name,last_name\nann@a.example,Ann,A\nnope,Bob,B\ncid@c.example,,C\n")
	count := func() int {
		app, err := openCRM(ctx, url, false, epiccrm.Config{})
		require.NoError(t, err)
		defer app.Close()
		n, err := app.Store().Deps().Clients.CountClients(ctx, crm.ClientFilter{}, crm.FullAccess)
		require.NoError(t, err)
		return n
	}

	r := runCmd(t, ctx, "", nil, "import", "clients", good, "--dry-run", "--as", "boss", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "dry run, nothing written: 2 rows: 2 would be created")
	assert.Equal(t, 0, count())

	r = runCmd(t, ctx, "", nil, "import", "clients", bad, "--as", "boss", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "line 3, email:")
	assert.Contains(t, r.stdout, "line 4, first_name:")
	assert.Contains(t, r.stderr, "nothing was written")
	assert.Equal(t, 0, count())

	r = runCmd(t, ctx, "", nil, "import", "clients", good, "--as", "boss", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported: 2 rows: 2 created")
	assert.Equal(t, 2, count())

	r = runCmd(t, ctx, "", nil, "import", "clients", good, "--database-url", url)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--as USERNAME is required")
	r = runCmd(t, ctx, "", nil, "import", "clients", good, "--as", "nobody", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `no active user named "nobody"`)
}

// TestImportUsersCommand imports users as management: a dry run writes nothing, a bad file
// (a new user without a password, the importer's own role) is refused with every bad line and
// writes nothing, a good one is applied and the new user's password works; the passwords are
// never printed, and a user who may not create users is refused.
func TestImportUsersCommand(t *testing.T) {
	ctx := context.Background()
	url, good, bad := importSetup(t, "username,email,role,password\n"+
		"ann,ann@a.example,sales,Quiet-Meadow-42\nbob,bob@b.example,Support,Amber-Canyon-17\n",
		"username,email,role,password\n"+
			"ann,ann@a.example,sales,Quiet-Meadow-42\ncid,cid@c.example,sales,\nboss,boss@real.example,sales,\n")
	users := func() []*crm.User {
		app, err := openCRM(ctx, url, false, epiccrm.Config{})
		require.NoError(t, err)
		defer app.Close()
		list, _, err := app.Store().Deps().Users.ListUsers(ctx, crm.UserFilter{ListOptions: crm.ListOptions{Limit: 10, Sort: "id"}}, crm.FullAccess)
		require.NoError(t, err)
		return list
	}

	r := runCmd(t, ctx, "", nil, "import", "users", good, "--dry-run", "--as", "boss", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "dry run, nothing written: 2 rows: 2 would be created")
	assert.Len(t, users(), 1)

	r = runCmd(t, ctx, "", nil, "import", "users", bad, "--as", "boss", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "line 3, password: a new user needs a password")
	assert.Contains(t, r.stdout, "line 4, role: this row is your own account")
	assert.Contains(t, r.stderr, "nothing was written")
	assert.NotContains(t, r.stdout+r.stderr, "Quiet-Meadow-42")
	assert.Len(t, users(), 1)

	r = runCmd(t, ctx, "", nil, "import", "users", good, "--as", "boss", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported: 2 rows: 2 created")
	assert.NotContains(t, r.stdout+r.stderr, "Quiet-Meadow-42")
	list := users()
	require.Len(t, list, 3)
	assert.Equal(t, crm.RoleSupport, list[2].Role)
	assert.NotContains(t, list[1].PasswordHash, "Quiet-Meadow-42")

	r = runCmd(t, ctx, "", nil, "import", "users", good, "--as", "ann", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "may not create users")
	r = runCmd(t, ctx, "", nil, "import", "events", good, "--as", "boss", "--database-url", url)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "import users FILE")
}
