package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// answers is everything a user sees through the service: every list, and every record read
// one by one.
type answers struct {
	Users     []*crm.User
	Clients   []*crm.Client
	Contracts []*crm.Contract
	Events    []*crm.Event
	Audit     []*crm.AuditEntry
	Records   []any
}

// collect reads every list and every listed record as username, through app's service.
func collect(t *testing.T, app *epiccrm.App, username string) answers {
	t.Helper()
	ctx := context.Background()
	actor, err := app.Store().Deps().Users.FindUserByUsername(ctx, username)
	require.NoError(t, err)
	ctx = crm.NewContext(ctx, actor)
	svc := app.Service
	var a answers
	all := crm.ListOptions{Limit: crm.MaxLimit}
	a.Users, _, err = svc.ListUsers(ctx, crm.UserFilter{ListOptions: all})
	require.NoError(t, err)
	a.Clients, _, err = svc.ListClients(ctx, crm.ClientFilter{ListOptions: all})
	require.NoError(t, err)
	a.Contracts, _, err = svc.ListContracts(ctx, crm.ContractFilter{ListOptions: all})
	require.NoError(t, err)
	a.Events, _, err = svc.ListEvents(ctx, crm.EventFilter{ListOptions: all})
	require.NoError(t, err)
	a.Audit, _, err = svc.ListAudit(ctx, crm.AuditFilter{ListOptions: all}) // an error for those who may not read it
	a.Records = append(a.Records, fmt.Sprint(err))
	for id := int64(1); id <= 40; id++ { // every id the demo uses and some beyond, each found or refused alike
		u, err := svc.GetUser(ctx, id)
		c, err2 := svc.GetClient(ctx, id)
		k, err3 := svc.GetContract(ctx, id)
		e, err4 := svc.GetEvent(ctx, id)
		a.Records = append(a.Records, u, c, k, e, fmt.Sprint(err, err2, err3, err4))
	}
	return a
}

func TestCopyDemoToPostgresServesTheSameAnswers(t *testing.T) {
	ctx := context.Background()
	from := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", from)
	require.Equal(t, 0, r.code, r.stderr)
	to := pgtest.EmptyURL(t)

	r = runCmd(t, ctx, "", nil, "copy", "--from", from, "--to", to)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "row counts and checksums match")
	assert.Contains(t, r.stderr, "copied users: 5 rows", "a plain progress line per table")
	for _, table := range []string{"users", "clients", "contracts", "events", "audit", "refresh_tokens", "sessions", "login_failures"} {
		assert.Contains(t, r.stdout, table)
	}

	src, err := openCRM(ctx, from, false, epiccrm.Config{})
	require.NoError(t, err)
	defer src.Close()
	dst, err := openCRM(ctx, to, false, epiccrm.Config{})
	require.NoError(t, err)
	defer dst.Close()
	for _, who := range []string{"ada", "sam", "sue", "pat", "pia"} {
		want := collect(t, src, who)
		got := collect(t, dst, who)
		require.NotEmpty(t, want.Clients, who)
		assert.Equal(t, want, got, "%s sees something else on PostgreSQL", who)
	}

	// The password hashes came along: the demo password logs in on PostgreSQL.
	u, err := dst.Service.Authenticate(ctx, "sam", demoPassword, "")
	require.NoError(t, err)
	assert.Equal(t, crm.Role("sales"), u.Role)
	// New records get new ids.
	ctx = crm.NewContext(ctx, u)
	c, err := dst.Service.CreateClient(ctx, crm.ClientInput{FirstName: crm.Some("New"), LastName: crm.Some("Client"),
		Email: crm.Some("new@client.example")})
	require.NoError(t, err)
	assert.Greater(t, c.ID, int64(len(collect(t, src, "ada").Clients)))

	// A second copy into the now non-empty target is refused, and changes nothing.
	r = runCmd(t, ctx, "", nil, "copy", "--from", from, "--to", to)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "not empty")
	assert.Contains(t, r.stderr, "--replace")
	_, err = dst.Service.GetClient(ctx, c.ID)
	require.NoError(t, err)
	// --replace empties it first.
	r = runCmd(t, ctx, "", map[string]string{"EPICCRM_REPLACE": "true"}, "copy", "--from", from, "--to", to)
	require.Equal(t, 0, r.code, r.stderr)
	_, err = dst.Service.GetClient(ctx, c.ID)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err))
}

func TestCopyToSQLiteAndBack(t *testing.T) {
	ctx := context.Background()
	from := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", from)
	require.Equal(t, 0, r.code, r.stderr)
	to := sqliteURL(t) // does not exist yet: it is created and migrated
	r = runCmd(t, ctx, "", nil, "copy", "--from", from, "--to", to)
	require.Equal(t, 0, r.code, r.stderr)
	src, err := openCRM(ctx, from, false, epiccrm.Config{})
	require.NoError(t, err)
	defer src.Close()
	dst, err := openCRM(ctx, to, false, epiccrm.Config{})
	require.NoError(t, err)
	defer dst.Close()
	assert.Equal(t, collect(t, src, "ada"), collect(t, dst, "ada"))
}

func TestCopyRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	migrated := migratedURL(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no --to", []string{"--from", migrated}, 2, "--from and --to are required"},
		{"a missing source", []string{"--from", sqliteURL(t), "--to", sqliteURL(t)}, 1, "no such file"},
		{"a source not migrated", []string{"--from", emptyFile(t), "--to", sqliteURL(t)}, 1, "run 'epiccrm migrate up'"},
		{"the same database", []string{"--from", migrated, "--to", migrated}, 1, "the same database"},
		{"a bad URL", []string{"--from", migrated, "--to", "mysql://x"}, 2, "unsupported database URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, ctx, "", nil, append([]string{"copy"}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.msg)
		})
	}
}

// emptyFile returns the URL of an empty SQLite file: a database without a schema.
func emptyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.db")
	require.NoError(t, os.WriteFile(p, nil, 0o600))
	return "sqlite:" + p
}

func TestProgressBarOnATerminal(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, true)
	p.update("audit", 0, 10)
	p.update("audit", 5, 10)
	p.update("audit", 10, 10)
	assert.Contains(t, b.String(), "\raudit")
	assert.Contains(t, b.String(), "[###############...............] 5/10")
	assert.True(t, strings.HasSuffix(b.String(), "10/10\n"))
}

func TestBackupUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	url := migratedURL(t)
	path := strings.TrimPrefix(url, "sqlite:")
	app, err := openCRM(ctx, url, false, epiccrm.Config{})
	require.NoError(t, err)
	defer app.Close()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)

	// A writer adds audit rows two at a time, in one transaction: a consistent snapshot holds an
	// even number of them.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			tx, err := db.Begin()
			if err != nil {
				continue
			}
			for range 2 {
				_, err = tx.Exec(`INSERT INTO audit (at, actor_id, action, resource, resource_id) VALUES (?, 0, 'create', 'client', 1)`,
					time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"))
			}
			if err == nil && tx.Commit() == nil {
				written.Add(2)
			} else {
				_ = tx.Rollback()
			}
		}
	}()
	for written.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	r := runCmd(t, ctx, "", nil, "backup", "--database-url", url, file)
	stop.Store(true)
	wg.Wait()
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "backed up")

	b, err := sql.Open("sqlite", file)
	require.NoError(t, err)
	defer b.Close()
	var check string
	require.NoError(t, b.QueryRow("PRAGMA integrity_check").Scan(&check))
	assert.Equal(t, "ok", check)
	var n int64
	require.NoError(t, b.QueryRow("SELECT count(*) FROM audit").Scan(&n))
	assert.GreaterOrEqual(t, n, int64(200))
	assert.LessOrEqual(t, n, written.Load())
	assert.Zero(t, n%2, "the backup holds half a transaction")
	var maxID int64
	require.NoError(t, b.QueryRow("SELECT max(id) FROM audit").Scan(&maxID))
	assert.Equal(t, n, maxID, "rows are missing from the middle of the backup")

	// The backup is a database epiccrm opens, and copies from.
	r = runCmd(t, ctx, "", nil, "copy", "--from", "sqlite:"+file, "--to", sqliteURL(t))
	assert.Equal(t, 0, r.code, r.stderr)

	// An existing file is refused, unless --force.
	r = runCmd(t, ctx, "", nil, "backup", "--database-url", url, file)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--force")
	r = runCmd(t, ctx, "", nil, "backup", "--database-url", url, "--force", file)
	assert.Equal(t, 0, r.code, r.stderr)
}

func TestBackupOfPostgresNamesPgDump(t *testing.T) {
	r := runCmd(t, context.Background(), "", nil, "backup", "--database-url",
		"postgres://crm:secret@db.example:5432/crm?sslmode=require&pool_max_conns=20", "crm.dump")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "pg_dump --format=custom --file=crm.dump 'postgres://crm:xxxxx@db.example:5432/crm?sslmode=require'")
	assert.NotContains(t, r.stderr, "secret")
	r = runCmd(t, context.Background(), "", nil, "backup", "--database-url", sqliteURL(t))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "exactly one FILE")
}

// TestCopyCarriesTheNewerTables fills the tables of the later migrations (API keys and their
// service accounts, webhooks, the change log, idempotency keys, preferences, reminder opt-outs)
// and copies the database to PostgreSQL: every one of them comes along, and new rows get new
// ids on the target (its identity sequences moved past the copied ones).
func TestCopyCarriesTheNewerTables(t *testing.T) {
	ctx := context.Background()
	from := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", from)
	require.Equal(t, 0, r.code, r.stderr)
	fill := func(app *epiccrm.App, n int) (int64, int64) {
		t.Helper()
		ada, err := app.Store().Deps().Users.FindUserByUsername(ctx, "ada")
		require.NoError(t, err)
		as := crm.NewContext(ctx, ada)
		key, err := app.Service.CreateAPIKey(as, crm.APIKeyInput{Name: crm.Some(fmt.Sprint("export ", n)), Role: crm.Some(crm.RoleSales)})
		require.NoError(t, err)
		hook, err := app.Service.CreateWebhook(as, crm.WebhookInput{URL: crm.Some(fmt.Sprintf("https://hooks.example.com/%d", n)),
			Events: crm.Some([]string{"contract.signed"})})
		require.NoError(t, err)
		return key.APIKey.ID, hook.ID
	}
	src, err := openCRM(ctx, from, false, epiccrm.Config{})
	require.NoError(t, err)
	keyID, hookID := fill(src, 1)
	ada, err := src.Store().Deps().Users.FindUserByUsername(ctx, "ada")
	require.NoError(t, err)
	_, err = src.Service.SetNotificationSettings(crm.NewContext(ctx, ada), crm.NotificationSettings{crm.ReminderKinds[0]: false})
	require.NoError(t, err)
	prefs, ok := src.Store().(crm.PreferenceStore)
	require.True(t, ok, "the store keeps preferences")
	require.NoError(t, prefs.SavePreferences(ctx, ada.ID, crm.Preferences{Language: "fr", TimeZone: "Europe/Paris", Theme: "dark"}))
	_, err = src.Store().ReserveIdempotencyKey(ctx, crm.IdempotencyRequest{Owner: ada.ID, Key: "copy-me", Fingerprint: "f",
		Now: time.Now(), Lease: time.Minute, TTL: time.Hour})
	require.NoError(t, err)
	require.NoError(t, src.Close())

	to := pgtest.EmptyURL(t)
	r = runCmd(t, ctx, "", nil, "copy", "--from", from, "--to", to)
	require.Equal(t, 0, r.code, r.stderr)
	for _, table := range []string{"api_keys", "webhooks", "changes", "idempotency_keys", "user_preferences", "notification_optouts"} {
		assert.Regexp(t, `(?m)^`+table+` +[1-9][0-9]* rows`, r.stdout, "%s is copied with its rows", table)
	}
	dst, err := openCRM(ctx, to, false, epiccrm.Config{})
	require.NoError(t, err)
	defer dst.Close()
	newKey, newHook := fill(dst, 2)
	assert.Greater(t, newKey, keyID, "a new API key gets a new id")
	assert.Greater(t, newHook, hookID, "a new webhook gets a new id")
}
