package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
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
		done <- serveUntilDone(ctx, app, ln, 10*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
