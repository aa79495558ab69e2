//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/syncbuf"
	"github.com/epicevents/epiccrm/policy"
)

// TestServeReloadsPolicyOnSIGHUP sends SIGHUP to a running server while a request is half-sent:
// the policy is reloaded (and the change shows on /readyz), the request still gets its answer,
// and the server keeps serving. Before, SIGHUP ended the process at once.
func TestServeReloadsPolicyOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	polFile := filepath.Join(dir, "policy.csv")
	require.NoError(t, os.WriteFile(polFile, []byte(policy.DefaultCSV), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(k string) string {
		return map[string]string{"EPICCRM_ADDR": addr, "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem")}[k]
	}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--policy", polFile, "--database-url", "sqlite:" + filepath.Join(dir, "crm.db")}, e)
	}()
	readyPolicy := func() string {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		var body struct{ Policy string }
		if json.NewDecoder(resp.Body).Decode(&body) != nil {
			return ""
		}
		return body.Policy
	}
	def, err := policy.Default()
	require.NoError(t, err)
	require.Eventually(t, func() bool { return readyPolicy() == def.Fingerprint() }, 20*time.Second, 50*time.Millisecond,
		"the server did not come up with the policy file: %s", errOut.String())
	var pw string
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			pw = rest
		}
	}
	require.NotEmpty(t, pw)

	// A login whose body is only half sent when the signal comes.
	body := fmt.Sprintf(`{"username":"admin","password":%q}`, pw)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(body), body[:10])
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)

	changed := policy.DefaultCSV + "p, support, client, read, any\n"
	require.NoError(t, os.WriteFile(polFile, []byte(changed), 0o600))
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(errOut.String(), `"trigger":"signal hangup"`) },
		10*time.Second, 20*time.Millisecond, "SIGHUP did not reload the policy: %s", errOut.String())

	_, err = io.WriteString(conn, body[10:])
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the in-flight request was dropped")
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", answer)
	assert.Contains(t, string(answer), "access_token")

	p, err := policy.Parse("changed", []byte(changed))
	require.NoError(t, err)
	assert.Equal(t, p.Fingerprint(), readyPolicy(), "the new policy is in force")
	assert.Contains(t, errOut.String(), `"fingerprint":"`+p.Fingerprint()+`"`, "the log names the new policy")

	// A bad file is refused on SIGHUP too, with its line, and the server keeps the policy it had.
	require.NoError(t, os.WriteFile(polFile, []byte(changed+"p, support, client, raed, any\n"), 0o600))
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(errOut.String(), polFile+":") },
		10*time.Second, 20*time.Millisecond, "the refusal is logged with its line: %s", errOut.String())
	assert.Equal(t, p.Fingerprint(), readyPolicy())

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
