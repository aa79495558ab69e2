package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/syncbuf"
)

func TestServeRefusesARemotePprofAddr(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "192.0.2.1:6060", "example.com:6060"} {
		r := runCmd(t, context.Background(), "", nil, "serve", "--database-url", sqliteURL(t), "--pprof-addr", addr)
		assert.Equal(t, 2, r.code, addr)
		assert.Contains(t, r.stderr, "not a loopback address", addr)
	}
	r := runCmd(t, context.Background(), "", map[string]string{"EPICCRM_PPROF_ADDR": "6060"}, "serve", "--database-url", sqliteURL(t))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "is not HOST:PORT", "the environment's value is checked too")
}

func TestCheckPprofAddr(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:0"} {
		assert.NoError(t, checkPprofAddr(ok, false), ok)
	}
	assert.NoError(t, checkPprofAddr("0.0.0.0:6060", true), "allowed explicitly")
	assert.Error(t, checkPprofAddr("0.0.0.0:6060", false))
	assert.Error(t, checkPprofAddr("6060", true), "not HOST:PORT")
}

func TestServeServesProfilesOnThePprofAddr(t *testing.T) {
	dir := t.TempDir()
	addr, pprofAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(k string) string {
		return map[string]string{"EPICCRM_ADDR": addr, "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem"),
			"EPICCRM_PPROF_ADDR": pprofAddr}[k]
	}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--database-url", "sqlite:" + filepath.Join(dir, "crm.db")}, e)
	}()

	var resp *http.Response
	require.Eventually(t, func() bool {
		var err error
		resp, err = http.Get("http://" + pprofAddr + "/debug/pprof/")
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the profiling server did not come up: %s", errOut.String())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "goroutine")

	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "the CRM's own address serves no profiles")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	_, err = http.Get("http://" + pprofAddr + "/debug/pprof/")
	assert.Error(t, err, "the profiling server stops with serve")
}
