package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
)

// migratedURL returns the URL of a fresh SQLite database with the schema migrated.
func migratedURL(t *testing.T) string {
	t.Helper()
	url := sqliteURL(t)
	r := runCmd(t, context.Background(), "", nil, "migrate", "up", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	return url
}

// schemaVersion returns the schema version that 'migrate version' prints for url.
func schemaVersion(t *testing.T, url string) string {
	t.Helper()
	r := runCmd(t, context.Background(), "", nil, "migrate", "version", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	return strings.Fields(r.stdout)[2]
}

func TestMigrateDownNeedsConfirmation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		interactive bool
		typed       string
		environ     map[string]string
		args        []string
		code        int
		stderr      []string
		reverted    bool
	}{
		{name: "in a script", code: 2, stderr: []string{"deletes every record", "pass --yes"}},
		{name: "with --yes", args: []string{"--yes"}, reverted: true},
		{name: "EPICCRM_YES is not a confirmation", environ: map[string]string{"EPICCRM_YES": "true"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "at a terminal, typing yes", interactive: true, typed: "yes\n", stderr: []string{"Type yes"}, reverted: true},
		{name: "at a terminal, typing y", interactive: true, typed: "y\n", code: 1, stderr: []string{"Type yes", "cancelled: nothing was changed"}},
		{name: "at a terminal, typing nothing", interactive: true, code: 1, stderr: []string{"cancelled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := migratedURL(t)
			before := schemaVersion(t, url)
			require.NotEqual(t, "0", before)
			args := append([]string{"migrate", "down", "--database-url", url}, tc.args...)
			r := runAt(t, ctx, tc.interactive, tc.typed, tc.environ, args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			for _, want := range tc.stderr {
				assert.Contains(t, r.stderr, want)
			}
			after := schemaVersion(t, url)
			if tc.reverted {
				assert.Equal(t, "0", after, "every migration is reverted")
			} else {
				assert.Equal(t, before, after, "nothing is reverted without confirmation")
			}
		})
	}
}

// setSchemaVersion overwrites the version golang-migrate recorded in the SQLite database at url,
// as a database migrated by an older or newer epiccrm would have it.
func setSchemaVersion(t *testing.T, url string, v uint) {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite:"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("UPDATE schema_migrations SET version = ?", v)
	require.NoError(t, err)
}

func TestStartRefusesAnotherSchemaVersion(t *testing.T) {
	ctx := context.Background()
	probe, err := openDatabase(ctx, sqliteURL(t))
	require.NoError(t, err)
	latest, err := probe.LatestMigration()
	require.NoError(t, probe.Close())
	require.NoError(t, err)
	require.Positive(t, latest)

	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T) string
		err     string
	}{
		{"a fresh database", sqliteURL,
			fmt.Sprintf("the database schema is at version 0, this epiccrm expects %d: run 'epiccrm migrate up'", latest)},
		{"an outdated schema", func(t *testing.T) string {
			url := migratedURL(t)
			setSchemaVersion(t, url, latest-1)
			return url
		}, fmt.Sprintf("the database schema is at version %d, this epiccrm expects %d: run 'epiccrm migrate up'", latest-1, latest)},
		{"a newer schema", func(t *testing.T) string {
			url := migratedURL(t)
			setSchemaVersion(t, url, latest+1)
			return url
		}, fmt.Sprintf("the database schema is at version %d, newer than the %d this epiccrm expects", latest+1, latest)},
		{"a dirty schema", func(t *testing.T) string {
			// A migration that failed half-way leaves the schema dirty (security test plan,
			// case 58): the server must refuse it rather than serve a half-migrated schema.
			url := migratedURL(t)
			db, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite:"))
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Exec("UPDATE schema_migrations SET dirty = 1")
			require.NoError(t, err)
			return url
		}, fmt.Sprintf("the database schema is dirty at version %d (a migration failed half-way)", latest)},
		{"an up-to-date schema", migratedURL, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.prepare(t)
			app, err := openCRM(ctx, url, false, epiccrm.Config{})
			if tc.err == "" {
				require.NoError(t, err)
				assert.NoError(t, app.Close())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}

	t.Run("serve --migrate=false", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		dir := t.TempDir()
		environ := map[string]string{"EPICCRM_ADDR": freeAddr(t), "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem")}
		r := runCmd(t, ctx, "", environ, "serve", "--migrate=false", "--database-url", "sqlite:"+filepath.Join(dir, "crm.db"))
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "run 'epiccrm migrate up'")
		assert.NotContains(t, r.stderr, "no such table")
		assert.NotContains(t, r.stdout, "password:", "no account is created in a schema that is not there")
	})
}
