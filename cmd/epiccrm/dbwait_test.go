package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// TestServeWaitsForTheDatabase starts serve on a database that cannot be opened yet (its
// directory is missing, as when a volume is not mounted yet): serve keeps trying, and comes up
// once the directory appears.
func TestServeWaitsForTheDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--database-url", "sqlite:" + filepath.Join(dir, "crm.db"), "--addr", addr,
			"--key-file", filepath.Join(t.TempDir(), "key.pem"), "--db-wait", "30s"}, e)
	}()
	require.Eventually(t, func() bool { return strings.Count(errOut.String(), "trying again") >= 2 },
		10*time.Second, 20*time.Millisecond, "serve did not retry: %s", errOut.String())
	_, err := http.Get("http://" + addr + "/healthz")
	require.Error(t, err, "nothing listens while the database cannot be reached")

	require.NoError(t, os.Mkdir(dir, 0o700))
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "serve did not come up once the database could be opened: %s", errOut.String())
	assert.Contains(t, errOut.String(), "the database can be reached")
	cancel()
	assert.Equal(t, 0, <-done, errOut.String())
}

// TestServeGivesUpOnTheDatabase starts serve on a PostgreSQL port where nothing listens: it
// retries for --db-wait, then exits with an error that says so.
func TestServeGivesUpOnTheDatabase(t *testing.T) {
	closed := freeAddr(t)
	start := time.Now()
	r := runCmd(t, context.Background(), "", nil, "serve", "--database-url", "postgres://postgres@"+closed+"/crm",
		"--addr", freeAddr(t), "--key-file", filepath.Join(t.TempDir(), "key.pem"), "--db-wait", "1500ms")
	elapsed := time.Since(start)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "gave up reaching the database after")
	assert.Contains(t, r.stderr, "(--db-wait)")
	assert.GreaterOrEqual(t, strings.Count(r.stderr, "trying again"), 2, r.stderr)
	assert.GreaterOrEqual(t, elapsed, 1500*time.Millisecond)
	assert.Less(t, elapsed, 8*time.Second)

	// --db-wait 0 tries once; a bad URL is refused at once whatever the wait.
	r = runCmd(t, context.Background(), "", nil, "serve", "--database-url", "postgres://postgres@"+closed+"/crm",
		"--addr", freeAddr(t), "--key-file", filepath.Join(t.TempDir(), "key.pem"), "--db-wait", "0")
	assert.Equal(t, 1, r.code)
	assert.NotContains(t, r.stderr, "trying again")
	start = time.Now()
	r = runCmd(t, context.Background(), "", nil, "serve", "--database-url", "mysql://x", "--db-wait", "1m")
	assert.Equal(t, 2, r.code)
	assert.Less(t, time.Since(start), 5*time.Second)
	r = runCmd(t, context.Background(), "", nil, "serve", "--db-wait", "-1s")
	assert.Equal(t, 2, r.code)
}
