package policy_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/syncbuf"
	"github.com/epicevents/epiccrm/policy"
)

func newLog() (*slog.Logger, *syncbuf.Buffer) {
	buf := &syncbuf.Buffer{}
	return slog.New(slog.NewJSONHandler(buf, nil)), buf
}

// writeAtomic replaces the file at path by renaming a new file over it, as editors and
// configuration tools do.
func writeAtomic(t testing.TB, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(text), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// salesMore is a valid policy that differs from the built-in one: sales read every event, and
// support may also update the clients of their events.
var salesMore = policy.DefaultCSV + "p, sales, event, read, any\np, support, client, update, assigned\n"

func watch(t *testing.T, path string) (*policy.Live, *syncbuf.Buffer) {
	t.Helper()
	logger, logs := newLog()
	live, err := policy.Watch(context.Background(), path, logger)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, live.Close()) })
	return live, logs
}

// metricValues gathers the metrics of c as "name{label="value"}" -> value.
func metricValues(t testing.TB, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + strconv.Quote(l.GetValue()) + "}"
			}
			switch {
			case m.Counter != nil:
				out[name] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func fingerprintOf(t testing.TB, text string) string {
	t.Helper()
	return mustParse(t, text).Fingerprint()
}

func TestWatchBuiltInPolicy(t *testing.T) {
	t.Parallel()
	live, logs := watch(t, "")
	def, err := policy.Default()
	require.NoError(t, err)
	assert.Same(t, def, live.Policy())
	assert.Equal(t, def.Fingerprint(), live.Fingerprint())
	assert.Equal(t, "", live.Path())
	assert.Equal(t, scopes(crm.ScopeOwn), live.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead))
	require.NoError(t, live.Reload())
	assert.Contains(t, logs.String(), "there is no file to read")
	assert.Same(t, def, live.Policy())
	assert.Contains(t, logs.String(), `"fingerprint":"`+def.Fingerprint()+`"`, "the policy in force is logged at start")
	assert.NotContains(t, logs.String(), "policy warning", "the built-in policy has no warnings")
}

func TestWatchRefusesWhatLoadRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := policy.Watch(context.Background(), filepath.Join(dir, "missing.csv"), nil)
	require.ErrorIs(t, err, os.ErrNotExist)
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("p, sales, clients, read, own\n"), 0o600))
	_, err = policy.Watch(context.Background(), bad, nil)
	var le *policy.LoadError
	require.True(t, errors.As(err, &le), "want a *LoadError, got %v", err)
	assert.Contains(t, err.Error(), bad+":1:")
}

// TestReloadGoodAndBadFiles reloads on demand, as SIGHUP does: a good file is applied and its
// change logged; a bad one is refused with its numbered lines in the log, and the policy in
// force stays; the metrics count both.
func TestReloadGoodAndBadFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	writeAtomic(t, path, policy.DefaultCSV)
	live, logs := watch(t, path)
	require.NoError(t, live.Close(), "only the reloads asked for, not those of the watcher")
	def, err := policy.Default()
	require.NoError(t, err)
	assert.Equal(t, def.Fingerprint(), live.Fingerprint(), "the fingerprint is of the rules, not of the file's name")
	assert.Equal(t, path, live.Path())

	writeAtomic(t, path, salesMore)
	require.NoError(t, live.Reload())
	assert.Equal(t, fingerprintOf(t, salesMore), live.Fingerprint())
	assert.Equal(t, scopes(crm.ScopeAny, crm.ScopeOwn), live.Scopes(crm.RoleSales, crm.ResourceEvent, crm.ActionRead))
	assert.Contains(t, logs.String(), `"msg":"policy changed"`)
	assert.Contains(t, logs.String(), `"previous":"`+def.Fingerprint()+`"`)

	require.NoError(t, live.Reload())
	assert.Contains(t, logs.String(), "the permissions are unchanged")

	writeAtomic(t, path, salesMore+"p, sales, client, read, mine\n# fine\np, wizard\n")
	err = live.Reload()
	var le *policy.LoadError
	require.True(t, errors.As(err, &le), "want a *LoadError, got %v", err)
	assert.Equal(t, fingerprintOf(t, salesMore), live.Fingerprint(), "the policy in force stays")
	n := strings.Count(salesMore, "\n")
	log := logs.String()
	assert.Contains(t, log, "policy refused")
	assert.Contains(t, log, path+":"+strconv.Itoa(n+1)+": unknown scope")
	assert.Contains(t, log, path+":"+strconv.Itoa(n+3)+": a p line has 4 values")

	assert.Equal(t, map[string]float64{
		`epiccrm_policy_reloads_total{result="ok"}`:      2,
		`epiccrm_policy_reloads_total{result="refused"}`: 1,
		`epiccrm_policy_last_reload_successful`:          0,
	}, metricValues(t, live))

	require.NoError(t, os.Remove(path))
	require.ErrorIs(t, live.Reload(), os.ErrNotExist)
	assert.Equal(t, fingerprintOf(t, salesMore), live.Fingerprint(), "a file that is gone leaves the policy in force")
	writeAtomic(t, path, policy.DefaultCSV)
	require.NoError(t, live.Reload())
	assert.Equal(t, def.Fingerprint(), live.Fingerprint())
	assert.Equal(t, 1.0, metricValues(t, live)["epiccrm_policy_last_reload_successful"])
	assert.Equal(t, 3.0, metricValues(t, live)[`epiccrm_policy_reloads_total{result="ok"}`])
}

// TestWatchFollowsEdits changes the file in the ways editors and tools do, and checks that each
// good version comes into force by itself, and that a bad one is refused and logged.
func TestWatchFollowsEdits(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
	live, logs := watch(t, path)
	def, err := policy.Default()
	require.NoError(t, err)
	becomes := func(fp, how string) {
		t.Helper()
		require.Eventually(t, func() bool { return live.Fingerprint() == fp }, 10*time.Second, 20*time.Millisecond,
			"%s: the policy in force did not change; log:\n%s", how, logs.String())
	}

	// Written in place.
	require.NoError(t, os.WriteFile(path, []byte(salesMore), 0o600))
	becomes(fingerprintOf(t, salesMore), "written in place")
	assert.Contains(t, logs.String(), `"trigger":"file changed"`)

	// Replaced by a rename, as vim, sed -i and most configuration tools do.
	writeAtomic(t, path, policy.DefaultCSV)
	becomes(def.Fingerprint(), "replaced by rename")

	// Removed and written anew.
	require.NoError(t, os.Remove(path))
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, def.Fingerprint(), live.Fingerprint(), "a removed file leaves the policy in force")
	require.NoError(t, os.WriteFile(path, []byte(salesMore), 0o600))
	becomes(fingerprintOf(t, salesMore), "removed and written anew")

	// A bad edit is refused, and the next good one applied.
	writeAtomic(t, path, "p, sales, client, read, own\np, sales, client, raed, own\n")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), path+":2: unknown action") },
		10*time.Second, 20*time.Millisecond, "the refusal is logged with its line: %s", logs.String())
	assert.Equal(t, fingerprintOf(t, salesMore), live.Fingerprint())
	only := "p, sales, client, read, own\n"
	writeAtomic(t, path, only)
	becomes(fingerprintOf(t, only), "fixed")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "policy warning: nobody may read the audit log") },
		10*time.Second, 20*time.Millisecond, "warnings are logged on reload: %s", logs.String())
	assert.Contains(t, logs.String(), "policy warning: no role may manage users")

	// An unrelated file in the same directory changes nothing.
	before := strings.Count(logs.String(), "\n")
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), "notes.txt"), []byte("hello"), 0o600))
	time.Sleep(400 * time.Millisecond)
	assert.Equal(t, before, strings.Count(logs.String(), "\n"), "nothing is reloaded or logged: %s", logs.String())
}

func TestWatchStopsWithItsContext(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	live, err := policy.Watch(ctx, path, nil)
	require.NoError(t, err)
	cancel()
	require.NoError(t, live.Close())
	require.NoError(t, live.Close(), "closing twice is harmless")
	def, _ := policy.Default()
	writeAtomic(t, path, salesMore)
	time.Sleep(400 * time.Millisecond)
	assert.Equal(t, def.Fingerprint(), live.Fingerprint(), "a stopped Live no longer follows the file")
	require.NoError(t, live.Reload(), "an explicit reload still works")
	assert.Equal(t, fingerprintOf(t, salesMore), live.Fingerprint())
}

// TestNoRequestSeesHalfAPolicy swaps the policy between two files as fast as it can while many
// goroutines ask it questions: every answer must be the answer of one of the two policies, and
// every table read from Policy() must be one of the two whole tables. Run with -race.
func TestNoRequestSeesHalfAPolicy(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	writeAtomic(t, path, policy.DefaultCSV)
	live, _ := watch(t, path)
	a, b := mustParse(t, policy.DefaultCSV), mustParse(t, salesMore)
	triples := everyTriple()
	differ := 0
	for _, tc := range triples {
		if !equalScopes(a.Scopes(tc.role, tc.res, tc.act), b.Scopes(tc.role, tc.res, tc.act)) {
			differ++
		}
	}
	require.Positive(t, differ, "the two policies must disagree somewhere")
	matrixA, matrixB := a.Matrix(), b.Matrix()

	const readers, swaps = 8, 40
	done := make(chan struct{})
	type tally struct{ wrong, sawA, sawB, tables int }
	tallies := make([]tally, readers)
	var wg sync.WaitGroup
	for g := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &tallies[g]
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				tc := triples[(i+g)%len(triples)]
				got := live.Scopes(tc.role, tc.res, tc.act)
				wantA, wantB := a.Scopes(tc.role, tc.res, tc.act), b.Scopes(tc.role, tc.res, tc.act)
				switch {
				case equalScopes(wantA, wantB):
					if !equalScopes(got, wantA) {
						tl.wrong++
					}
				case equalScopes(got, wantA):
					tl.sawA++
				case equalScopes(got, wantB):
					tl.sawB++
				default:
					tl.wrong++
				}
				if i%200 == 0 {
					m := live.Policy().Matrix()
					if !assert.ObjectsAreEqual(m, matrixA) && !assert.ObjectsAreEqual(m, matrixB) {
						tl.wrong++
					}
					tl.tables++
				}
			}
		}()
	}
	for i := range swaps {
		text := salesMore
		if i%2 == 1 {
			text = policy.DefaultCSV
		}
		writeAtomic(t, path, text)
		require.NoError(t, live.Reload())
	}
	close(done)
	wg.Wait()
	var sum tally
	for g, tl := range tallies {
		assert.Zero(t, tl.wrong, "goroutine %d saw %d answers of neither policy", g, tl.wrong)
		sum.sawA += tl.sawA
		sum.sawB += tl.sawB
		sum.tables += tl.tables
	}
	assert.Positive(t, sum.sawA, "answers of the first policy were seen")
	assert.Positive(t, sum.sawB, "answers of the second policy were seen")
	assert.Positive(t, sum.tables)
	assert.Equal(t, a.Fingerprint(), live.Fingerprint(), "the last swap put the first policy back")
}
