package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/policy"
)

func TestPolicyCheckWarnsOfLockouts(t *testing.T) {
	ctx := context.Background()
	r := runCmd(t, ctx, "", nil, "policy", "check", "--strict")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "ok (3 roles")
	assert.Contains(t, r.stdout, "0 warnings")
	assert.NotContains(t, r.stderr, "warning")

	salesOnly := filepath.Join(t.TempDir(), "sales-only.csv")
	var lines []string
	for _, l := range strings.Split(policy.DefaultCSV, "\n") {
		if strings.HasPrefix(l, "p, sales,") {
			lines = append(lines, l)
		}
	}
	require.NoError(t, os.WriteFile(salesOnly, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	r = runCmd(t, ctx, "", nil, "policy", "check", salesOnly)
	require.Equal(t, 0, r.code, "warnings alone do not fail a check: %s", r.stderr)
	assert.Contains(t, r.stdout, salesOnly+": ok")
	assert.Contains(t, r.stderr, salesOnly+": warning: no role may manage users")
	assert.Contains(t, r.stderr, salesOnly+": warning: management lost permissions on user")
	assert.Contains(t, r.stderr, salesOnly+": warning: nobody may read the audit log")

	r = runCmd(t, ctx, "", nil, "policy", "check", "--strict", salesOnly)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "warning: no role may manage users")
	assert.Contains(t, r.stderr, "which --strict treats as errors")
	assert.NotContains(t, r.stdout, "ok")

	r = runCmd(t, ctx, "", map[string]string{"EPICCRM_STRICT": "true"}, "policy", "check", salesOnly)
	assert.Equal(t, 1, r.code, "--strict can come from the environment")

	r = runCmd(t, ctx, "", nil, "policy", "matrix", "--strict")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--strict applies to policy check only")
}
