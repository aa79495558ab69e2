package httpapi_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowClientsAreCutOff checks the server's read and idle timeouts on real connections
// (security test plan, case 56): a client that sends its headers one byte at a time
// (slowloris) and one that keeps an idle keep-alive connection open are both disconnected
// after the configured timeout, rather than holding a connection for ever.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.cfg.ReadTimeout, o.cfg.IdleTimeout = timeout, timeout
	}, func(o *envOptions) { o.noFixture = true })
	addr := strings.TrimPrefix(serve(t, e), "http://")

	// closedWithin reads from conn until the server closes it (or answers 408) and returns how
	// long that took; it fails the test if the server keeps it open for 10 s.
	closedWithin := func(t *testing.T, conn net.Conn, start time.Time) time.Duration {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if strings.HasPrefix(line, "HTTP/1.1 ") {
				assert.Contains(t, line, "408", "the only answer to a request too slow to arrive")
			}
			if err != nil {
				var ne net.Error
				require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the connection open for 10 s")
				return time.Since(start)
			}
		}
	}

	t.Run("headers sent one byte at a time", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		start := time.Now()
		done := make(chan struct{})
		defer close(done)
		go func() {
			for _, b := range []byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200)) {
				select {
				case <-done:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{b}); err != nil {
					return
				}
			}
		}()
		took := closedWithin(t, conn, start)
		assert.Less(t, took, 5*time.Second, "cut off after about the read timeout")
	})

	t.Run("an idle keep-alive connection", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		start := time.Now()
		_, err = r.ReadByte()
		require.Error(t, err, "nothing more is sent on an idle connection")
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the idle connection open for 10 s")
		took := time.Since(start)
		assert.GreaterOrEqual(t, took, timeout/2, "not closed at once")
		assert.Less(t, took, 5*time.Second, "closed after about the idle timeout")
	})
}
