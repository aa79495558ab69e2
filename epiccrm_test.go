package epiccrm_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// quiet is a logger that drops everything.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open opens a CRM on a fresh SQLite file with a signing key, cheap password hashing and a
// management account "admin".
func open(t *testing.T, cfg epiccrm.Config) *epiccrm.App {
	t.Helper()
	dir := t.TempDir()
	if cfg.Store == nil && cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "crm.db")
	}
	if cfg.SigningKey == nil && cfg.KeyFile == "" {
		cfg.KeyFile = filepath.Join(dir, "key.pem")
	}
	cfg.Passwords = password.New(password.ForTests)
	cfg.Logger = quiet
	app, err := epiccrm.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, app.Close()) })
	_, err = app.Service.Bootstrap(context.Background(), crm.UserInput{Username: crm.Some("admin"),
		Email: crm.Some("admin@host.test"), Password: crm.Some("Velvet-Harbor-91")})
	require.NoError(t, err)
	return app
}

// response is a response with its body read.
type response struct {
	*http.Response
	body string
}

// call sends a request to app.
func call(t *testing.T, app *fiber.App, method, path, contentType, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := app.Test(req, 20000)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp, string(b)}
}

func TestOpenNamesWhatIsMissingOrWrong(t *testing.T) {
	ctx := context.Background()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		cfg  epiccrm.Config
		want []string
	}{
		{"nothing", epiccrm.Config{}, []string{"DatabaseURL is empty"}},
		{"two databases", epiccrm.Config{DatabaseURL: "sqlite:x.db", Store: sqlitetest.New(t)}, []string{"both DatabaseURL and Store"}},
		{"two keys", epiccrm.Config{DatabaseURL: "sqlite:x.db", KeyFile: "k.pem", SigningKey: key}, []string{"both KeyFile and SigningKey"}},
		{"a short key", epiccrm.Config{DatabaseURL: "sqlite:x.db", SigningKey: key[:10]}, []string{"SigningKey is 10 bytes long"}},
		{"several at once", epiccrm.Config{Without: []epiccrm.Part{99}, API: epiccrmAPILimit(-1)},
			[]string{"DatabaseURL is empty", "unknown part 99", "API.BodyLimit is negative"}},
		{"a bad URL", epiccrm.Config{DatabaseURL: "mysql://db/crm"}, []string{"unsupported database URL", "mysql://db/crm"}},
		{"a missing policy", epiccrm.Config{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "c.db"), Policy: filepath.Join(t.TempDir(), "nope.csv")},
			[]string{"Config.Policy", "nope.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := epiccrm.Open(ctx, tc.cfg)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err = epiccrm.Open(ctx, epiccrm.Config{DatabaseURL: "mysql://db/crm"})
	assert.ErrorIs(t, err, epiccrm.ErrDatabaseURL)

	t.Run("no migration", func(t *testing.T) {
		_, err := epiccrm.Open(ctx, epiccrm.Config{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "c.db"), NoMigrate: true})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "run 'epiccrm migrate up'", "an unmigrated schema is refused at Open, not at the first request")
	})
	t.Run("a missing dependency", func(t *testing.T) {
		_, err := epiccrm.Open(ctx, epiccrm.Config{Store: sqlitetest.New(t), Deps: func(d crm.Deps) crm.Deps { d.Audit = nil; return d }})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "missing Audit")
	})
}

func TestMountNeedsAKeyForTheAPI(t *testing.T) {
	app, err := epiccrm.Open(context.Background(), epiccrm.Config{Store: sqlitetest.New(t), Logger: quiet})
	require.NoError(t, err)
	defer app.Close()
	host := fiber.New()
	err = app.Mount(host, "/crm")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KeyFile is empty")
	assert.Equal(t, http.StatusNotFound, call(t, host, "GET", "/crm/admin/login", "", "").StatusCode, "a failed Mount mounts nothing")
	host = fiber.New()
	require.NoError(t, app.Mount(host, "/crm", epiccrm.PartAPI, epiccrm.PartJWKS), "the admin UI and the probes need no key")
	assert.Equal(t, http.StatusOK, call(t, host, "GET", "/crm/healthz", "", "").StatusCode)
	assert.Equal(t, http.StatusNotFound, call(t, host, "GET", "/crm/api/v1/me", "", "").StatusCode)

	for _, p := range []string{"crm", "/crm/../x", "/c rm", "/:id", "//crm"} {
		assert.ErrorContains(t, app.Mount(fiber.New(), p, epiccrm.PartAPI, epiccrm.PartJWKS), "prefix", p)
	}
}

func TestCloseLeavesAGivenStoreOpen(t *testing.T) {
	st := sqlitetest.New(t)
	app := open(t, epiccrm.Config{Store: st})
	require.NoError(t, app.Close())
	require.NoError(t, app.Close(), "closing twice does nothing")
	assert.NoError(t, st.Ping(context.Background()), "the store belongs to its opener")
}

// TestMountUnderAPrefix mounts the CRM on a host app with Fiber's defaults, under /crm and under
// a group's /crm, and checks that everything it hands out carries the prefix and that its
// limits and errors hold there.
func TestMountUnderAPrefix(t *testing.T) {
	app := open(t, epiccrm.Config{})
	host := fiber.New()
	host.Get("/", func(c *fiber.Ctx) error { return c.SendString("the host's page") })
	require.NoError(t, app.Mount(host, "/crm/"))
	require.NoError(t, app.Mount(host.Group("/tools"), "/crm"))

	for _, base := range []string{"/crm", "/tools/crm"} {
		t.Run(base, func(t *testing.T) {
			r := call(t, host, "GET", base+"/admin/", "", "")
			assert.Equal(t, http.StatusSeeOther, r.StatusCode)
			assert.Equal(t, base+"/admin/login", r.Header.Get("Location"))
			r = call(t, host, "GET", base+"/admin", "", "")
			assert.Equal(t, base+"/admin/", r.Header.Get("Location"))

			r = call(t, host, "GET", base+"/admin/login", "", "")
			require.Equal(t, http.StatusOK, r.StatusCode)
			assert.Contains(t, r.body, `action="`+base+`/admin/login"`)
			assert.Contains(t, r.body, `href="`+base+`/admin/static/app.css?v=`)
			assert.NotContains(t, r.body, `"/admin/`, "no address escapes the prefix")
			for _, c := range r.Cookies() {
				assert.Equal(t, base+"/admin", c.Path, "cookie %s", c.Name)
			}
			require.NotEmpty(t, r.Cookies())

			r = call(t, host, "GET", base+"/api/openapi.json", "", "")
			require.Equal(t, http.StatusOK, r.StatusCode)
			var doc struct {
				Servers []struct{ URL string } `json:"servers"`
				Paths   map[string]any         `json:"paths"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.body), &doc))
			require.Len(t, doc.Servers, 1)
			assert.Equal(t, base, doc.Servers[0].URL)
			assert.Contains(t, doc.Paths, "/api/v1/clients", "paths are relative to the server")

			r = call(t, host, "GET", base+"/api/docs", "", "")
			require.Equal(t, http.StatusOK, r.StatusCode)
			assert.Contains(t, r.body, `href="`+base+`/api/openapi.json"`)
			assert.Contains(t, r.body, base+"/api/v1/clients/{id}")

			r = call(t, host, "POST", base+"/api/v1/auth/login", "application/json", `{"username":"admin","password":"Velvet-Harbor-91"}`)
			assert.Equal(t, http.StatusOK, r.StatusCode, r.body)
			r = call(t, host, "GET", base+"/api/v1/nothing", "", "")
			assert.Equal(t, http.StatusNotFound, r.StatusCode)
			assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			assert.Equal(t, http.StatusOK, call(t, host, "GET", base+"/.well-known/jwks.json", "", "").StatusCode)
			assert.Equal(t, http.StatusOK, call(t, host, "GET", base+"/metrics", "", "").StatusCode)
		})
	}
	assert.Equal(t, "the host's page", call(t, host, "GET", "/", "", "").body, "the host's own routes stay its own")
	assert.Equal(t, http.StatusNotFound, call(t, host, "GET", "/api/v1/me", "", "").StatusCode, "nothing is mounted at the root")
}

// TestLimitsHoldOnAHostApp checks that the CRM's own body limit applies on a host app whose
// Fiber limit (4 MiB by default) is higher: a 2 MB body is refused by the API with a problem
// document, and by the admin UI with its page.
func TestLimitsHoldOnAHostApp(t *testing.T) {
	app := open(t, epiccrm.Config{})
	host := fiber.New()
	require.NoError(t, app.Mount(host, "/crm"))
	big := `{"username":"admin","password":"` + strings.Repeat("x", 2<<20) + `"}`
	r := call(t, host, "POST", "/crm/api/v1/auth/login", "application/json", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.StatusCode)
	assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	assert.Contains(t, r.body, "over the limit of 1048576 bytes")

	r = call(t, host, "POST", "/crm/admin/login", "application/x-www-form-urlencoded", "username=admin&password="+strings.Repeat("x", 2<<20))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.StatusCode)
	assert.Contains(t, r.Header.Get("Content-Type"), "text/html")

	small := open(t, epiccrm.Config{API: epiccrmAPILimit(100)})
	host = fiber.New()
	require.NoError(t, small.Mount(host, ""))
	r = call(t, host, "POST", "/api/v1/auth/login", "application/json", `{"username":"admin","password":"`+strings.Repeat("x", 200)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.StatusCode, "Config.API.BodyLimit is the API's")
}

// TestLeavingPartsOut checks that the parts in Config.Without and Mount's arguments are not
// served.
func TestLeavingPartsOut(t *testing.T) {
	app := open(t, epiccrm.Config{Without: []epiccrm.Part{epiccrm.PartMetrics}})
	host := fiber.New()
	require.NoError(t, app.Mount(host, "", epiccrm.PartAdmin, epiccrm.PartDocs))
	for path, want := range map[string]int{"/metrics": 404, "/admin/login": 404, "/api/docs": 404, "/api/openapi.json": 404,
		"/healthz": 200, "/readyz": 200, "/.well-known/jwks.json": 200} {
		assert.Equal(t, want, call(t, host, "GET", path, "", "").StatusCode, path)
	}
	assert.Equal(t, "PartMetrics", epiccrm.PartMetrics.String())
}

func TestExampleLeavesNoFileBehind(t *testing.T) {
	_, err := os.Stat("crm.db")
	assert.ErrorIs(t, err, os.ErrNotExist, "the example works in a temporary directory")
}

// epiccrmAPILimit returns API settings with the given body limit.
func epiccrmAPILimit(n int) (cfg httpapi.Config) {
	cfg.BodyLimit = n
	return cfg
}

// TestThePolicyFollowsItsFile checks that an App enforces the policy file's current content: a
// good edit applies without a restart, a bad one changes nothing, and an App built on a given
// Authorizer has no live policy.
func TestThePolicyFollowsItsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
	app := open(t, epiccrm.Config{Policy: path})
	require.NotNil(t, app.Policy())
	support := &crm.User{ID: 99, Role: crm.RoleSupport, IsActive: true}
	ctx := crm.NewContext(context.Background(), support)
	require.False(t, app.Service.Can(ctx, crm.ResourceClient, crm.ActionCreate))

	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV+"p, support, client, create, any\n"), 0o600))
	require.NoError(t, app.Policy().Reload())
	assert.True(t, app.Service.Can(ctx, crm.ResourceClient, crm.ActionCreate), "a good edit applies")

	require.NoError(t, os.WriteFile(path, []byte("p, support, client, fly, any\n"), 0o600))
	require.Error(t, app.Policy().Reload())
	assert.True(t, app.Service.Can(ctx, crm.ResourceClient, crm.ActionCreate), "a bad edit changes nothing")

	pol, err := policy.Default()
	require.NoError(t, err)
	assert.Nil(t, open(t, epiccrm.Config{Authorizer: pol}).Policy())
}

// The App keeps the SQLite search indexes merged while it is open (sqlite.Store.Upkeep): an
// index split into segments by single-row writes is merged soon after Open, and /metrics says
// so.
func TestAppRunsTheSearchIndexUpkeep(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.New(t)
	now := time.Now()
	for i := range 30 {
		require.NoError(t, st.CreateClient(ctx, &crm.Client{FirstName: "Split", LastName: fmt.Sprint(i),
			Email: fmt.Sprintf("split%d@x.test", i), Status: crm.ClientPotential, DateCreated: now, DateUpdated: now}, nil))
	}
	app := open(t, epiccrm.Config{Store: st})
	host := fiber.New()
	require.NoError(t, app.Mount(host, ""))
	require.Eventually(t, func() bool {
		return strings.Contains(call(t, host, "GET", "/metrics", "", "").body, "\nepiccrm_search_index_merges_total 1\n")
	}, 20*time.Second, 100*time.Millisecond)
}
