package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// TestShutdownFinishesInFlightRequests starts requests that take a while, asks the server to
// stop while they run, and checks that every one of them still gets its answer, that new
// connections are refused, and that serveUntilDone returns cleanly.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	app := httpapi.NewApp(httpapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	started := make(chan struct{}, 20)
	app.Get("/slow", func(c *fiber.Ctx) error {
		started <- struct{}{}
		time.Sleep(700 * time.Millisecond)
		return c.SendString("done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- newStopper(0, 10*time.Second).serveUntilDone(ctx, app, ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	const n = 10
	var wg sync.WaitGroup
	codes := make([]int, n)
	bodies := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Get("http://" + addr + "/slow")
			if err != nil {
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			codes[i], bodies[i] = resp.StatusCode, string(b)
		}(i)
	}
	for i := 0; i < n; i++ {
		<-started
	}
	cancel()
	wg.Wait()
	for i := 0; i < n; i++ {
		assert.Equal(t, http.StatusOK, codes[i], "request %d", i)
		assert.Equal(t, "done", bodies[i], "request %d", i)
	}
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "new connections are refused once stopped")
}

// TestShutdownGivesUpInTime checks that a handler that ignores its context cannot hold the
// shutdown past its timeout.
func TestShutdownGivesUpInTime(t *testing.T) {
	app := httpapi.NewApp(httpapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	app.Get("/stuck", func(c *fiber.Ctx) error {
		close(started)
		<-release
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- newStopper(0, time.Second).serveUntilDone(ctx, app, ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	begin := time.Now()
	cancel()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "still running")
		assert.Less(t, time.Since(begin), 1500*time.Millisecond, "the shutdown took longer than its timeout")
	case <-time.After(5 * time.Second):
		t.Fatal("the shutdown did not give up at its timeout")
	}
}

// server is a serve command running in the test's process.
type server struct {
	addr        string
	out, errOut *syncbuf.Buffer
	stop        context.CancelFunc
	exited      chan struct{} // closed when serve has returned, with its exit code in code
	code        int
}

// startServe runs serve on dbURL with the extra args and waits until it answers /healthz.
func startServe(t *testing.T, dbURL string, args ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), out: &syncbuf.Buffer{}, errOut: &syncbuf.Buffer{}, exited: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	e := &env{stdin: strings.NewReader(""), stdout: s.out, stderr: s.errOut, getenv: func(string) string { return "" }}
	args = append([]string{"serve", "--database-url", dbURL, "--addr", s.addr,
		"--key-file", filepath.Join(t.TempDir(), "key.pem")}, args...)
	go func() {
		s.code = run(ctx, args, e)
		close(s.exited)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.exited:
		case <-time.After(60 * time.Second):
			t.Error("serve did not stop")
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "the server did not come up: %s", s.errOut.String())
	return s
}

// adminToken logs in with the first account the server printed and returns an access token.
func (s *server) adminToken(t *testing.T) string {
	t.Helper()
	var pw string
	for _, line := range strings.Split(s.out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			pw = rest
		}
	}
	require.NotEmpty(t, pw, "the first account's password was not printed: %s", s.out.String())
	resp, err := http.Post("http://"+s.addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, pw)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return tok.AccessToken
}

// reply is a response as a test reads it, or the error that stopped it.
type reply struct {
	status int
	header http.Header
	body   string
	err    error
}

// send sends a request on a connection of its own and returns its reply.
func send(method, url, token, body string) reply {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// lockTable takes an EXCLUSIVE lock on table in a transaction of its own, which lets others read
// the table but makes every write to it wait, and returns the function that releases it.
func lockTable(t *testing.T, dbURL, table string) func() {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE "+table+" IN EXCLUSIVE MODE")
	require.NoError(t, err)
	var once sync.Once
	release := func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// userExists reports whether a user named username is in the database.
func userExists(t *testing.T, dbURL, username string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM users WHERE username = $1", username).Scan(&n))
	return n > 0
}

// newUserBody is the body of POST /api/v1/users for a sales user named name.
func newUserBody(name string) string {
	return fmt.Sprintf(`{"username":%q,"email":"%s@x.test","first_name":"A","last_name":"B","role":"sales","password":"Another-Secret-77"}`,
		name, name)
}

// waitForLockWaiters waits until n statements of dbURL's database wait for a lock.
func waitForLockWaiters(t *testing.T, dbURL string, n int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.Eventually(t, func() bool {
		var waiting int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting)
		return err == nil && waiting >= n
	}, 60*time.Second, 20*time.Millisecond, "the writes never waited for the lock")
}

// TestShutdownAnswersEveryInFlightWrite stops the server while writes wait for a table lock
// held by another connection. A write whose lock is released before the timeout commits and
// its client gets the 201; writes still waiting near the end of the timeout are rolled back
// and answered 503 problem+json; the process is gone within the timeout; meanwhile /readyz
// says 503 while the listener still serves during --shutdown-delay.
func TestShutdownAnswersEveryInFlightWrite(t *testing.T) {
	for _, tc := range []struct {
		name       string
		releaseIn  time.Duration // when the lock is released after the shutdown starts; 0: never
		wantStatus int
	}{
		{"the lock goes in time: the write commits and is answered", 700 * time.Millisecond, http.StatusCreated},
		{"the lock stays: the writes are stopped and answered 503", 0, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := pgtest.MigratedURL(t)
			const delay, timeout = 400 * time.Millisecond, 2 * time.Second
			// No lock_timeout: the writes wait for the lock however long their password hashing
			// took to bring them there, so that all are in flight when the shutdown starts.
			s := startServe(t, dbURL+"?lock_timeout=0", "--shutdown-delay", delay.String(), "--shutdown-timeout", timeout.String())
			token := s.adminToken(t)
			release := lockTable(t, dbURL, "users")

			const n = 4
			replies := make([]reply, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					replies[i] = send("POST", "http://"+s.addr+"/api/v1/users", token, newUserBody(fmt.Sprintf("late%d", i)))
				}()
			}
			waitForLockWaiters(t, dbURL, n)

			begin := time.Now()
			s.stop()
			// During the delay, a new connection still gets answers, but /readyz is 503.
			r := send("GET", "http://"+s.addr+"/readyz", "", "")
			require.NoError(t, r.err)
			assert.Equal(t, http.StatusServiceUnavailable, r.status, r.body)
			assert.Contains(t, r.body, "shutting down")
			r = send("GET", "http://"+s.addr+"/healthz", "", "")
			require.NoError(t, r.err)
			assert.Equal(t, http.StatusOK, r.status)

			if tc.releaseIn > 0 {
				time.AfterFunc(tc.releaseIn, release)
			}
			wg.Wait()
			select {
			case <-s.exited:
				elapsed := time.Since(begin)
				assert.Less(t, elapsed, delay+timeout+1500*time.Millisecond, "serve took too long to exit")
				if tc.wantStatus == http.StatusCreated {
					assert.Equal(t, 0, s.code, s.errOut.String())
				}
			case <-time.After(delay + timeout + 5*time.Second):
				t.Fatal("serve did not exit in time")
			}
			release()
			for i, r := range replies {
				require.NoError(t, r.err, "request %d got no answer", i)
				assert.Equal(t, tc.wantStatus, r.status, "request %d: %s", i, r.body)
				assert.Equal(t, tc.wantStatus == http.StatusCreated, userExists(t, dbURL, fmt.Sprintf("late%d", i)),
					"request %d: the answer must tell whether the write committed", i)
				if tc.wantStatus == http.StatusServiceUnavailable {
					assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
					assert.Contains(t, r.body, "shutting down")
					assert.Equal(t, "1", r.header.Get("Retry-After"))
				}
			}
			_, err := net.DialTimeout("tcp", s.addr, time.Second)
			assert.Error(t, err, "the listener is closed")
			// Every log line is whole JSON.
			for _, line := range strings.Split(strings.TrimSpace(s.errOut.String()), "\n") {
				assert.True(t, json.Valid([]byte(line)), "a log line is cut: %q", line)
			}
		})
	}
}

// TestServeRefusesBadShutdownSettings checks the flags' validation.
func TestServeRefusesBadShutdownSettings(t *testing.T) {
	r := runCmd(t, context.Background(), "", nil, "serve", "--shutdown-timeout", "0s")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--shutdown-timeout")
	r = runCmd(t, context.Background(), "", nil, "serve", "--shutdown-delay", "-1s")
	assert.Equal(t, 2, r.code)
	r = runCmd(t, context.Background(), "", nil, "serve", "--idempotency-ttl", "0s")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--idempotency-ttl")
}
