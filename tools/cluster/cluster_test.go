package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCluster runs the short profile of the proof (about a minute and a half): three processes
// behind HAProxy on a throwaway PostgreSQL, through a SIGKILL, a rolling restart, a key
// rotation, a policy change and a PostgreSQL restart. It needs initdb, pg_ctl and haproxy, so
// it runs only with EPICCRM_CLUSTER_TEST=1 (.ci/run sets it).
func TestCluster(t *testing.T) {
	if os.Getenv("EPICCRM_CLUSTER_TEST") != "1" {
		t.Skip("the cluster proof runs only with EPICCRM_CLUSTER_TEST=1 (it needs PostgreSQL's initdb and haproxy); `make cluster` runs its long profile")
	}
	repo, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	// Not t.TempDir: its parent is private, and PostgreSQL runs as its own user when this runs
	// as root.
	dir, err := os.MkdirTemp("", "epiccrm-cluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	r, err := Run(ctx, repo, dir, Short, &progress)
	t.Log("\n" + progress.String())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r.Print(&out)
	t.Log("\n" + out.String())
	if problems := r.Problems(); len(problems) > 0 {
		t.Fatal(strings.Join(problems, "; "))
	}
}
