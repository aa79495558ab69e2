package epiccrm_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/internal/syncbuf"
	"github.com/epicevents/epiccrm/policy"
)

// policyFile writes a copy of the built-in policy to a file, without the rules that contain
// drop (none when drop is ""), and returns its path.
func policyFile(t *testing.T, drop string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("policy", "policy.csv"))
	require.NoError(t, err)
	var kept []string
	for _, line := range strings.Split(string(text), "\n") {
		if drop == "" || !strings.Contains(line, drop) {
			kept = append(kept, line)
		}
	}
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o600))
	return path
}

// latestPolicy returns the fingerprint most recently recorded in the App's database.
func latestPolicy(t *testing.T, app *epiccrm.App) string {
	t.Helper()
	db, ok := app.Store().(interface {
		LatestPolicy(ctx context.Context) (*sqlstore.PolicyRecord, error)
	})
	require.True(t, ok)
	r, err := db.LatestPolicy(context.Background())
	require.NoError(t, err)
	require.NotNil(t, r)
	assert.Equal(t, os.Getpid(), int(r.PID))
	assert.NotEmpty(t, r.Host)
	return r.Fingerprint
}

func TestProcessesAgreeOnOnePolicy(t *testing.T) {
	builtin, err := policy.Default()
	require.NoError(t, err)
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			var firstLog syncbuf.Buffer
			first := openOn(t, url, epiccrm.Config{PolicyCheck: 20 * time.Millisecond,
				Logger: slog.New(slog.NewJSONHandler(&firstLog, nil))})
			require.Equal(t, builtin.Fingerprint(), latestPolicy(t, first), "a process records its policy when it starts")

			other := policyFile(t, "p, support, event, update, assigned")
			_, err := tryOpen(url, epiccrm.Config{Policy: other, PolicyMustMatch: true})
			require.Error(t, err, "--policy-must-match refuses a policy other than the one recorded")
			assert.Contains(t, err.Error(), "refusing to start: this process's policy (fingerprint ")
			assert.Contains(t, err.Error(), "differs from the one process ")
			assert.Contains(t, err.Error(), builtin.Fingerprint())
			assert.Equal(t, builtin.Fingerprint(), latestPolicy(t, first), "a refused process records nothing")
			assert.NotContains(t, firstLog.String(), "POLICY MISMATCH")

			var secondLog syncbuf.Buffer
			second := openOn(t, url, epiccrm.Config{Policy: other, PolicyCheck: 20 * time.Millisecond,
				Logger: slog.New(slog.NewJSONHandler(&secondLog, nil))})
			assert.Contains(t, secondLog.String(), "POLICY MISMATCH", "a differing process warns as it starts")
			assert.Equal(t, second.Policy().Fingerprint(), latestPolicy(t, second))
			require.Eventually(t, func() bool { return strings.Contains(firstLog.String(), "POLICY MISMATCH") },
				5*time.Second, 10*time.Millisecond, "the first process now differs from the most recent record, and warns")

			// The second process's file is fixed: it reloads, records the policy, and the
			// warnings stop.
			fixed := policyFile(t, "")
			text, err := os.ReadFile(fixed)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(other, text, 0o600))
			require.NoError(t, second.Policy().Reload())
			require.Equal(t, builtin.Fingerprint(), second.Policy().Fingerprint())
			require.Eventually(t, func() bool { return latestPolicy(t, second) == builtin.Fingerprint() },
				5*time.Second, 10*time.Millisecond, "a reload is recorded")
			third := openOn(t, url, epiccrm.Config{PolicyMustMatch: true})
			assert.Equal(t, builtin.Fingerprint(), third.Policy().Fingerprint(), "the built-in policy matches the one recorded again")
		})
	}
}
