package epiccrm_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to set the schema version by hand
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// kekOf returns a key-encryption key made of 32 bytes b.
func kekOf(b byte) string {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = b
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// database is a way to get the URL of an empty database.
type database struct {
	name string
	url  func(t *testing.T) string
}

// databases are an empty SQLite file and an empty PostgreSQL database.
var databases = []database{
	{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "crm.db") }},
	{"PostgreSQL", func(t *testing.T) string { return pgtest.EmptyURL(t) }},
}

// openOn opens an App on the database at url, as one process of several would, with cheap
// password hashing and no log unless cfg sets one.
func openOn(t *testing.T, url string, cfg epiccrm.Config) *epiccrm.App {
	t.Helper()
	app, err := tryOpen(url, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, app.Close()) })
	return app
}

// tryOpen opens an App on the database at url, returning Open's error.
func tryOpen(url string, cfg epiccrm.Config) (*epiccrm.App, error) {
	cfg.DatabaseURL = url
	cfg.Passwords = password.New(password.ForTests)
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	return epiccrm.Open(context.Background(), cfg)
}

// kidOf returns the kid in the header of a JWS.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	require.NoError(t, err)
	var hdr struct {
		Kid string `json:"kid"`
	}
	require.NoError(t, json.Unmarshal(raw, &hdr))
	return hdr.Kid
}

// publishedKids returns the kids the App's /.well-known/jwks.json lists.
func publishedKids(t *testing.T, app *epiccrm.App) []string {
	t.Helper()
	host := fiber.New()
	require.NoError(t, app.Mount(host, "/", epiccrm.PartAdmin))
	r := call(t, host, "GET", "/.well-known/jwks.json", "", "")
	require.Equal(t, 200, r.StatusCode, r.body)
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &set))
	var kids []string
	for _, k := range set.Keys {
		assert.Empty(t, k.D, "the JWKS holds no private key")
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestSigningKeysRotateAcrossProcesses(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			url := db.url(t)
			clock := testclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			cfg := epiccrm.Config{KeyEncryptionKey: kekOf(1), Now: clock.Now,
				Tokens: jwtauth.Config{Issuer: "https://crm.example.test", Audience: "crm-api"}}
			one, two := openOn(t, url, cfg), openOn(t, url, cfg)
			u, err := one.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"),
				Email: crm.Some("admin@host.test"), Password: crm.Some("Velvet-Harbor-91")})
			require.NoError(t, err)

			first := one.Keys().CurrentKeyID()
			require.Equal(t, first, two.Keys().CurrentKeyID(), "both processes sign with the key the first one made")
			old, err := one.Tokens.Issue(ctx, u)
			require.NoError(t, err)
			require.Equal(t, first, kidOf(t, old.AccessToken))

			second, err := one.RotateSigningKey(ctx)
			require.NoError(t, err)
			require.NotEqual(t, first, second)
			clock.Advance(jwtauth.MinKeyReload)

			fresh, err := one.Tokens.Issue(ctx, u)
			require.NoError(t, err)
			assert.Equal(t, second, kidOf(t, fresh.AccessToken), "the rotating process signs with the new key at once")
			for _, app := range []*epiccrm.App{one, two} {
				for _, tok := range []string{old.AccessToken, fresh.AccessToken} {
					c, err := app.Tokens.Verify(ctx, tok)
					require.NoError(t, err, "a token of the old or the new key verifies in each process")
					assert.Equal(t, u.ID, c.UserID)
				}
			}

			clock.Advance(epiccrm.DefaultPolicyCheck + time.Second) // past the key refresh period too
			later, err := two.Tokens.Issue(ctx, u)
			require.NoError(t, err)
			assert.Equal(t, second, kidOf(t, later.AccessToken), "the other process follows the rotation without a restart")
			for _, app := range []*epiccrm.App{one, two} {
				assert.ElementsMatch(t, []string{first, second}, publishedKids(t, app))
				_, err := app.Tokens.Verify(ctx, old.AccessToken)
				assert.NoError(t, err, "a token of the old key keeps working until it expires")
			}

			clock.Advance(10 * time.Minute)
			prev, err := one.Tokens.Issue(ctx, u)
			require.NoError(t, err)
			require.Equal(t, second, kidOf(t, prev.AccessToken))
			third, err := two.RotateSigningKey(ctx)
			require.NoError(t, err)
			byTwo, err := two.Tokens.Issue(ctx, u)
			require.NoError(t, err)
			clock.Advance(jwtauth.DefaultAccessTTL + jwtauth.DefaultSkew + jwtauth.DefaultKeyRefresh - 10*time.Minute)
			for _, app := range []*epiccrm.App{one, two} {
				assert.ElementsMatch(t, []string{third, second}, publishedKids(t, app),
					"the oldest key leaves the JWKS once every token it signed has expired")
				_, err := app.Tokens.Verify(ctx, byTwo.AccessToken)
				assert.NoError(t, err)
				_, err = app.Tokens.Verify(ctx, prev.AccessToken)
				assert.NoError(t, err, "a token of the previous key still verifies")
			}
		})
	}
}

func TestSigningKeysRefuseAWrongKeyEncryptionKey(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			openOn(t, url, epiccrm.Config{KeyEncryptionKey: kekOf(1)})

			_, err := tryOpen(url, epiccrm.Config{KeyEncryptionKey: kekOf(2)})
			require.Error(t, err)
			assert.ErrorIs(t, err, jwtauth.ErrKeyEncryptionKey)
			assert.Contains(t, err.Error(), "does not decrypt the signing key")
			assert.Contains(t, err.Error(), "EPICCRM_KEY_ENCRYPTION_KEY")

			store, err := epiccrm.OpenStore(context.Background(), url)
			require.NoError(t, err)
			defer store.Close()
			_, err = epiccrm.RotateSigningKey(context.Background(), store, kekOf(2))
			assert.ErrorIs(t, err, jwtauth.ErrKeyEncryptionKey, "a rotation with another KEK would split the keys")
			kid, err := epiccrm.RotateSigningKey(context.Background(), store, kekOf(1))
			require.NoError(t, err)
			assert.NotEmpty(t, kid)
		})
	}
}

func TestKeyEncryptionKeyIsChecked(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
	for _, tc := range []struct{ kek, file, want string }{
		{"not base64!", "", "it is not base64"},
		{base64.StdEncoding.EncodeToString([]byte("short")), "", "decodes to 5 bytes, not 32"},
		{kekOf(1), "key.pem", "KeyEncryptionKey is set with KeyFile or SigningKey"},
	} {
		_, err := tryOpen(url, epiccrm.Config{KeyEncryptionKey: tc.kek, KeyFile: tc.file})
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// setVersion sets the schema version recorded in the database at url by hand.
func setVersion(t *testing.T, url string, v uint) {
	t.Helper()
	driver, dsn := "pgx", url
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite:")
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("UPDATE schema_migrations SET version = $1", v)
	require.NoError(t, err)
}

func TestOpenRefusesASchemaNewerThanItKnows(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			app, err := tryOpen(url, epiccrm.Config{})
			require.NoError(t, err)
			latest, err := app.Store().LatestMigration()
			require.NoError(t, err)
			assert.Less(t, latest, uint(99), "the test needs a version this binary does not know")
			require.NoError(t, app.Close())
			setVersion(t, url, 99)
			for _, noMigrate := range []bool{false, true} {
				_, err := tryOpen(url, epiccrm.Config{NoMigrate: noMigrate})
				require.Error(t, err)
				assert.Contains(t, err.Error(), fmt.Sprintf("the database schema is at version 99, newer than this binary's %d: upgrade the binary", latest))
				if !noMigrate {
					assert.ErrorIs(t, err, sqlstore.ErrSchemaNewer)
				}
			}
		})
	}
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			apps := make([]*epiccrm.App, 3)
			for i := range 3 {
				wg.Go(func() { apps[i], errs[i] = tryOpen(url, epiccrm.Config{KeyEncryptionKey: kekOf(1)}) })
			}
			wg.Wait()
			for _, app := range apps {
				if app != nil {
					t.Cleanup(func() { assert.NoError(t, app.Close()) })
				}
			}
			require.NoError(t, errors.Join(errs...))
			kids := map[string]bool{}
			for _, app := range apps {
				v, dirty, err := app.Store().MigrateVersion()
				require.NoError(t, err)
				assert.False(t, dirty)
				latest, err := app.Store().LatestMigration()
				require.NoError(t, err)
				assert.Equal(t, latest, v)
				kids[app.Keys().CurrentKeyID()] = true
			}
			assert.Len(t, kids, 1, "the processes starting at once agree on one first signing key")
		})
	}
}
