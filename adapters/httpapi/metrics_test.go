package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestMetrics checks the Prometheus exposition: request counts by route template and status,
// latencies, and the database pool of the store, which package epiccrm hands to the API as
// a collector.
func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/{C1}"})
	e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/999"})
	e.do(t, req{method: "GET", path: "/api/v1/no/such/thing"})
	resp, body := e.do(t, req{method: "GET", path: "/metrics"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"))
	text := string(body)
	for _, want := range []string{
		`epiccrm_http_requests_total{method="GET",route="/api/v1/clients/:id",status="200"} 1`,
		`epiccrm_http_requests_total{method="GET",route="/api/v1/clients/:id",status="404"} 1`,
		`epiccrm_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`epiccrm_http_request_duration_seconds_bucket{method="GET",route="/api/v1/clients/:id",le="+Inf"} 2`,
		`epiccrm_db_connections_open `,
		`epiccrm_db_connections_in_use `,
		`epiccrm_db_wait_total `,
		`go_goroutines`,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "/api/v1/no/such/thing", "a raw path became a label")

	t.Run("labels survive the reuse of request buffers", func(t *testing.T) {
		for i := 0; i < 40; i++ {
			for _, m := range []string{"POST", "PATCH", "DELETE", "PUT", "OPTIONS", "PROPFIND"} {
				e.do(t, req{method: m, path: "/api/v1/clients/" + itoa(i+1)})
			}
		}
		resp, body := e.do(t, req{method: "GET", path: "/metrics"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllStringSubmatch(string(body), -1) {
			assert.Contains(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, m[1])
		}
		assert.Contains(t, string(body), `epiccrm_http_requests_total{method="PATCH",route="/api/v1/clients/:id",status="401"} 40`)
	})
}

// TestPgxPoolMetrics checks that the PostgreSQL store's pool has its statistics on /metrics, and
// that a collector given to the API is reported.
func TestPgxPoolMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[1], func(o *envOptions) { o.noFixture = true })
	resp, body := e.do(t, req{method: "GET", path: "/readyz"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = e.do(t, req{method: "GET", path: "/metrics"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), fmt.Sprintf("epiccrm_db_connections_max %d", max(4, runtime.NumCPU())), "the default pool: the cores, at least 4")
	assert.Regexp(t, `epiccrm_db_connections_open [1-9]`, string(body))

	stub := prometheus.NewGauge(prometheus.GaugeOpts{Name: "epiccrm_db_stub", Help: "A stub."})
	stub.Set(7)
	e = newEnv(t, storeKinds[0], func(o *envOptions) { o.collector = stub; o.noFixture = true })
	assert.Contains(t, string(e.mustGet(t, "/metrics")), "epiccrm_db_stub 7")
	assert.Equal(t, e.api.OpenAPI(), e.mustGet(t, "/api/openapi.json"))
}

// mustGet returns the body of a successful anonymous GET.
func (e *env) mustGet(t *testing.T, path string) []byte {
	t.Helper()
	resp, body := e.do(t, req{method: "GET", path: path})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	return body
}

// TestPolicyFingerprint checks that /readyz and /metrics name the policy in force, follow a
// reload of a live policy, and export its reload counts; and that an Authorizer without a
// fingerprint gets none.
func TestPolicyFingerprint(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
	live, err := policy.Watch(context.Background(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { live.Close() })
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.noFixture = true
		o.wrap = func(d crm.Deps) crm.Deps { d.Authorizer = live; return d }
	})
	first := live.Fingerprint()
	assert.JSONEq(t, `{"status":"ok","policy":"`+first+`"}`, string(e.mustGet(t, "/readyz")))
	text := string(e.mustGet(t, "/metrics"))
	assert.Contains(t, text, `epiccrm_policy_info{fingerprint="`+first+`"} 1`)
	assert.Contains(t, text, `epiccrm_policy_reloads_total{result="ok"} 0`)

	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV+"p, support, client, read, any\n"), 0o600))
	require.NoError(t, live.Reload())
	second := live.Fingerprint()
	require.NotEqual(t, first, second)
	assert.JSONEq(t, `{"status":"ok","policy":"`+second+`"}`, string(e.mustGet(t, "/readyz")))
	text = string(e.mustGet(t, "/metrics"))
	assert.Contains(t, text, `epiccrm_policy_info{fingerprint="`+second+`"} 1`)
	assert.NotContains(t, text, first, "only the policy in force is reported")
	assert.Regexp(t, `epiccrm_policy_reloads_total\{result="ok"\} [1-9]`, text)

	plain := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.noFixture = true
		o.wrap = func(d crm.Deps) crm.Deps { d.Authorizer = noFingerprint{d.Authorizer}; return d }
	})
	assert.JSONEq(t, `{"status":"ok","policy":null}`, string(plain.mustGet(t, "/readyz")))
	assert.NotContains(t, string(plain.mustGet(t, "/metrics")), "epiccrm_policy_")
}

// noFingerprint is an Authorizer that does not name its policy.
type noFingerprint struct{ crm.Authorizer }
