package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
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

// result is what one run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command with args, the given stdin and environment; stdin is not a terminal.
func runCmd(t *testing.T, ctx context.Context, stdin string, environ map[string]string, args ...string) result {
	t.Helper()
	return runAt(t, ctx, false, stdin, environ, args...)
}

// runAt runs the command with args, the given stdin and environment; interactive tells whether
// stdin is a terminal (where a user types stdin).
func runAt(t *testing.T, ctx context.Context, interactive bool, stdin string, environ map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, interactive: interactive,
		getenv: func(k string) string { return environ[k] }}
	code := run(ctx, args, e)
	return result{code, out.String(), errOut.String()}
}

func sqliteURL(t *testing.T) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
}

func TestHelpAndUsage(t *testing.T) {
	ctx := context.Background()
	r := runCmd(t, ctx, "", nil, "--help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "epiccrm serve")
	r = runCmd(t, ctx, "", nil)
	assert.Equal(t, 2, r.code)
	r = runCmd(t, ctx, "", nil, "frobnicate")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown command "frobnicate"`)
	for _, cmd := range []string{"serve", "migrate", "createsuperuser", "demo", "policy"} {
		r = runCmd(t, ctx, "", nil, cmd, "--help")
		assert.Equal(t, 0, r.code, cmd)
		assert.Contains(t, r.stderr, "Usage: epiccrm "+cmd, cmd)
		assert.Contains(t, r.stderr, "EPICCRM_", cmd)
	}
	r = runCmd(t, ctx, "", nil, "serve", "--no-such-flag")
	assert.Equal(t, 2, r.code)
	r = runCmd(t, ctx, "", nil, "migrate", "sideways")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "unknown migrate command")
}

func TestMigrateUpDownVersion(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "migrate", "version", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "schema version 0")
	r = runCmd(t, ctx, "", nil, "migrate", "up", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `schema version [1-9]\d* \(clean\)`, r.stdout)
	// The database URL can come from the environment.
	r = runCmd(t, ctx, "", map[string]string{"EPICCRM_DATABASE_URL": url}, "migrate", "down", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "schema version 0")
	r = runCmd(t, ctx, "", nil, "migrate", "up", "--database-url", "mysql://nope")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "unsupported database URL")
}

func TestCreateSuperuser(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	r := runCmd(t, ctx, "Velvet-Harbor-91\n", nil, "createsuperuser", "--username", "root", "--email", "root@epic.test", "--password-stdin", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "created management user root")

	r = runCmd(t, ctx, "Velvet-Harbor-91\n", nil, "createsuperuser", "--username", "root", "--email", "other@epic.test", "--password-stdin", "--database-url", url)
	assert.Equal(t, 1, r.code, "a taken username is refused")
	r = runCmd(t, ctx, "12345678\n", nil, "createsuperuser", "--username", "root2", "--email", "root2@epic.test", "--password-stdin", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "password:", "the refusal names the bad field")
	r = runCmd(t, ctx, "", nil, "createsuperuser", "--username", "root3", "--email", "root3@epic.test", "--password-stdin", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no password given")
	r = runCmd(t, ctx, "", nil, "createsuperuser", "--username", "root3", "--database-url", url)
	assert.Equal(t, 2, r.code)
	r = runCmd(t, ctx, "x\n", nil, "createsuperuser", "--username", "root3", "--email", "root3@epic.test", "--database-url", url)
	assert.Equal(t, 2, r.code, "no terminal and no --password-stdin")
	assert.Contains(t, r.stderr, "--password-stdin")
}

func TestCreateSuperuserPrompts(t *testing.T) {
	url := sqliteURL(t)
	prompt := func(answers ...string) result {
		var out, errOut bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" },
			interactive: true, readPassword: func() (string, error) {
				a := answers[0]
				answers = answers[1:]
				return a, nil
			}}
		code := run(context.Background(), []string{"createsuperuser", "--username", "root", "--email", "root@epic.test", "--database-url", url}, e)
		return result{code, out.String(), errOut.String()}
	}
	r := prompt("Velvet-Harbor-91", "Velvet-Harbor-92")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "the two passwords differ")
	r = prompt("Velvet-Harbor-91", "Velvet-Harbor-91")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "Password (again): ")
	assert.NotContains(t, r.stderr+r.stdout, "Velvet", "the password is never echoed")
}

func TestPolicyCommands(t *testing.T) {
	ctx := context.Background()
	r := runCmd(t, ctx, "", nil, "policy", "check")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "ok")
	r = runCmd(t, ctx, "", nil, "policy", "matrix")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `sales\s+contract\s+sign\s+own`, r.stdout)
	assert.Regexp(t, `support\s+event\s+update\s+assigned`, r.stdout)
	assert.NotRegexp(t, `support\s+client\s+update`, r.stdout)

	readAll := filepath.Join("..", "..", "examples", "policies", "read-all.csv")
	r = runCmd(t, ctx, "", nil, "policy", "matrix", readAll)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `support\s+client\s+read\s+any`, r.stdout)

	bad := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("p, sales, client, read, own\np, sales, clients, read, own\np, wizard\n"), 0o644))
	r = runCmd(t, ctx, "", nil, "policy", "check", bad)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, bad+":2:")
	assert.Contains(t, r.stderr, bad+":3:")
	r = runCmd(t, ctx, "", nil, "policy", "check", filepath.Join(t.TempDir(), "missing.csv"))
	assert.Equal(t, 1, r.code)

	// serve refuses the same file the same way, before touching the database.
	r = runCmd(t, ctx, "", nil, "serve", "--policy", bad, "--database-url", sqliteURL(t))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, bad+":2:")
}

func TestDemo(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "demo data loaded")
	assert.Contains(t, r.stdout, demoPassword)
	r = runCmd(t, ctx, "", nil, "demo", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "already loaded")

	other := sqliteURL(t)
	r = runCmd(t, ctx, "Velvet-Harbor-91\n", nil, "createsuperuser", "--username", "real", "--email", "real@epic.test", "--password-stdin", "--database-url", other)
	require.Equal(t, 0, r.code, r.stderr)
	r = runCmd(t, ctx, "", nil, "demo", "--database-url", other)
	assert.Equal(t, 1, r.code, "demo data never goes into a database with real users")
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestServeStartsAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(k string) string {
		return map[string]string{"EPICCRM_ADDR": addr, "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem")}[k]
	}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--database-url", "sqlite:" + filepath.Join(dir, "crm.db")}, e)
	}()

	var resp *http.Response
	require.Eventually(t, func() bool {
		var err error
		resp, err = http.Get("http://" + addr + "/healthz")
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the server did not come up: %s", errOut.String())
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, out.String(), "username: admin", "the first account is printed once")
	assert.Contains(t, out.String(), "password: ")

	// The one-time password works on the API.
	var pw string
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			pw = rest
		}
	}
	resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, pw)))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "access_token")

	resp, err = http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "epiccrm_db_connections_open", "the store's pool statistics are exported")

	resp, err = http.Get("http://" + addr + "/admin/login")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	_, err = http.Get("http://" + addr + "/healthz")
	assert.Error(t, err, "the listener is closed")

	// A second start on the same database prints no new password.
	ctx2, cancel2 := context.WithCancel(context.Background())
	out2 := &syncbuf.Buffer{}
	e.stdout = out2
	go func() {
		done <- run(ctx2, []string{"serve", "--database-url", "sqlite:" + filepath.Join(dir, "crm.db")}, e)
	}()
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond)
	cancel2()
	<-done
	assert.NotContains(t, out2.String(), "password:")
}
