package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/syncbuf"
	"github.com/epicevents/epiccrm/policy"
)

// errSecretCause is a driver error full of internals that must never reach a client.
var errSecretCause = errors.New(`pq: relation "secret_table" does not exist (SQLSTATE 42P01) at db.internal:5432 password=hunter2`)

// failingClients is a client store whose reads fail the way a test asks, once it is switched on
// (after the fixture is made).
type failingClients struct {
	crm.ClientStore
	fail func() error
	on   *atomic.Bool
}

func (f failingClients) FindClient(ctx context.Context, id int64, vis crm.Visibility) (*crm.Client, error) {
	if f.on.Load() {
		return nil, f.fail()
	}
	return f.ClientStore.FindClient(ctx, id, vis)
}

func (f failingClients) ListClients(ctx context.Context, filter crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error) {
	if f.on.Load() {
		return nil, "", f.fail()
	}
	return f.ClientStore.ListClients(ctx, filter, acc)
}

// withFailingClients makes the client store of an env fail with fail once on is set.
func withFailingClients(fail func() error, on *atomic.Bool) func(*envOptions) {
	return func(o *envOptions) {
		o.wrap = func(d crm.Deps) crm.Deps {
			d.Clients = failingClients{ClientStore: d.Clients, fail: fail, on: on}
			return d
		}
	}
}

// TestNoInternalsLeak makes the store fail (an unexpected error, a panic, an outage, a timeout)
// and checks that the client gets a generic problem while the log keeps the cause under the
// request id.
func TestNoInternalsLeak(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fail   func() error
		status int
		logged bool
	}{
		{"a driver error", func() error { return errSecretCause }, 500, true},
		{"a wrapped internal error", func() error { return crm.Internal(errSecretCause) }, 500, true},
		{"a panic", func() error { panic(errSecretCause) }, 500, true},
		{"an outage", func() error {
			return &crm.Error{Code: crm.EUNAVAILABLE, Message: "the database cannot be reached: try again later", Err: errSecretCause}
		}, 503, true},
		{"a timeout", func() error { return crm.Internal(errors.Join(context.DeadlineExceeded, errSecretCause)) }, 503, true},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var on atomic.Bool
				e := newEnv(t, open, withFailingClients(tc.fail, &on))
				on.Store(true)
				for _, path := range []string{"/api/v1/clients/{C1}", "/api/v1/clients"} {
					resp, body := e.do(t, req{who: "M", method: "GET", path: path,
						header: map[string]string{"X-Request-ID": "trace-" + strings.ReplaceAll(tc.name, " ", "-")}})
					require.Equal(t, tc.status, resp.StatusCode, "body: %s", body)
					p := decodeProblem(t, resp, body)
					assert.NotEmpty(t, p.Detail)
					for _, leak := range []string{"secret_table", "SQLSTATE", "db.internal", "hunter2", "goroutine", ".go:"} {
						assert.NotContains(t, string(body), leak)
					}
					id := resp.Header.Get("X-Request-ID")
					assert.Equal(t, "trace-"+strings.ReplaceAll(tc.name, " ", "-"), id)
					var found bool
					for _, l := range logLines(t, e.logs) {
						if l["request_id"] == id && l["cause"] != nil {
							found = true
							assert.Contains(t, l["cause"], "secret_table")
						}
					}
					assert.Equal(t, tc.logged, found, "the cause is not logged with the request id:\n%s", e.logs.String())
				}
			})
		}
	})
}

// stubPinger is a database for /readyz.
type stubPinger struct {
	err   error
	block bool
}

func (p stubPinger) Ping(ctx context.Context) error {
	if p.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return p.err
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		pinger httpapi.Pinger
		ready  int
	}{
		{"reachable", stubPinger{}, 200},
		{"down", stubPinger{err: errSecretCause}, 503},
		{"hanging", stubPinger{block: true}, 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storeKinds[0], func(o *envOptions) {
				o.pinger = tc.pinger
				o.cfg.ReadyTimeout = 200 * time.Millisecond
				o.noFixture = true
			})
			start := time.Now()
			resp, body := e.do(t, req{method: "GET", path: "/readyz"})
			require.Equal(t, tc.ready, resp.StatusCode, "body: %s", body)
			assert.Less(t, time.Since(start), 2*time.Second, "readiness waited past its timeout")
			if tc.ready == 200 {
				def, err := policy.Default()
				require.NoError(t, err)
				assert.JSONEq(t, `{"status":"ok","policy":"`+def.Fingerprint()+`"}`, string(body), "the policy in force is named")
			} else {
				p := decodeProblem(t, resp, body)
				assert.NotContains(t, string(body), "secret_table")
				assert.Contains(t, p.Detail, "database")
			}
			resp, body = e.do(t, req{method: "GET", path: "/healthz"})
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the process is alive whatever the database: %s", body)
		})
	}
	t.Run("both stores answer", func(t *testing.T) {
		eachStore(t, func(t *testing.T, open storeKind) {
			e := newEnv(t, open, func(o *envOptions) { o.noFixture = true })
			resp, body := e.do(t, req{method: "GET", path: "/readyz"})
			assert.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
		})
	})
}

// TestProblemShape checks the errors that come from the router and the server, not the
// domain: unknown paths and methods, path variants that must not reach a handler.
func TestProblemShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/nothing", 404},
		{"GET", "/api/v2/clients", 404},
		{"GET", "/debug/pprof/", 404},
		{"GET", "/swagger", 404},
		{"GET", "/api/v1/CLIENTS", 404},
		{"GET", "/API/v1/clients", 404},
		{"GET", "/api/v1/clients/", 404},
		{"GET", "/api//v1/clients", 404},
		{"GET", "/api/v1/clients/{C1}/", 404},
		{"TRACE", "/api/v1/clients", 405},
		{"TRACE", "/", 405},
		{"CONNECT", "/api/v1/clients", 405},
		{"OPTIONS", "/api/v1/clients", 405},
		{"PROPFIND", "/api/v1/clients", 405},
		{"PUT", "/api/v1/clients", 405},
		{"DELETE", "/api/v1/users", 405},
		{"POST", "/api/v1/clients/{C1}", 405},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := e.do(t, req{who: "M", method: tc.method, path: tc.path})
			require.Equal(t, tc.status, resp.StatusCode, "body: %s", body)
			p := decodeProblem(t, resp, body)
			assert.Equal(t, http.StatusText(tc.status), p.Title)
			assert.True(t, strings.HasPrefix(p.Type, "/api/docs#problem-"), "type %q", p.Type)
			assert.NotNil(t, p.Errors)
			assert.NotEmpty(t, resp.Header.Get("X-Request-ID"))
			assert.NotContains(t, string(body), "Cannot "+tc.method)
			assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		})
	}
}

// TestAppErrorHandler checks the root app NewApp builds, outside the API's routes: a failing
// or panicking handler of another component answers a generic problem and is logged, and a
// fallback handler takes the errors of paths outside the API when one is configured.
func TestAppErrorHandler(t *testing.T) {
	t.Parallel()
	newApp := func(logs *syncbuf.Buffer, fallback fiber.ErrorHandler) *fiber.App {
		app := httpapi.NewApp(httpapi.Config{Logger: newTestLogger(logs), FallbackErrorHandler: fallback})
		app.Get("/admin/fails", func(c *fiber.Ctx) error { return errSecretCause })
		app.Get("/admin/panics", func(c *fiber.Ctx) error { panic(errSecretCause) })
		return app
	}
	send := func(t *testing.T, app *fiber.App, method, path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest(method, path, nil), 5000)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}

	t.Run("without a fallback", func(t *testing.T) {
		logs := &syncbuf.Buffer{}
		app := newApp(logs, nil)
		for _, tc := range []struct {
			path   string
			status int
		}{{"/admin/fails", 500}, {"/admin/panics", 500}, {"/admin/missing", 404}, {"/", 404}} {
			resp, body := send(t, app, "GET", tc.path)
			require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.path, body)
			decodeProblem(t, resp, body)
			assert.NotContains(t, string(body), "secret_table")
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.Contains(t, logs.String(), resp.Header.Get("X-Request-ID"))
		}
		assert.Contains(t, logs.String(), "secret_table", "the cause of a 500 is not logged")
	})

	t.Run("with a fallback for the other paths", func(t *testing.T) {
		app := newApp(&syncbuf.Buffer{}, func(c *fiber.Ctx, err error) error {
			return c.Status(fiber.StatusTeapot).SendString("the admin UI's own error page")
		})
		resp, body := send(t, app, "GET", "/admin/missing")
		assert.Equal(t, fiber.StatusTeapot, resp.StatusCode, "%s", body)
		resp, body = send(t, app, "GET", "/admin/panics")
		assert.Equal(t, fiber.StatusTeapot, resp.StatusCode, "%s", body)
		resp, body = send(t, app, "GET", "/api/v1/missing")
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		decodeProblem(t, resp, body)
	})
}
