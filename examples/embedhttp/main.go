// Command embedhttp shows how a Go program serves EpicCRM's REST API and admin UI from its own
// Fiber app, under /crm, next to routes of its own. It keeps its data in a SQLite file in a
// temporary directory and creates a management account whose password it prints.
//
//	go run ./examples/embedhttp [-addr HOST:PORT]   # then open http://127.0.0.1:8090/crm/admin/
//
// The address comes from -addr, else from EPICCRM_ADDR, else 127.0.0.1:8090.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

func main() {
	addr := flag.String("addr", envOr("EPICCRM_ADDR", "127.0.0.1:8090"), "the address to listen on, HOST:PORT (or set EPICCRM_ADDR)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "epiccrm-embedhttp-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	host, crmApp, err := newHost(ctx, dir, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
		os.Exit(1)
	}
	defer crmApp.Close()
	go func() {
		<-ctx.Done()
		_ = host.Shutdown()
	}()
	fmt.Printf("serving on http://%s (admin UI: /crm/admin/; Ctrl-C stops)\n", *addr)
	if err := host.Listen(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
	}
}

// envOr returns the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// newHost opens the CRM in dir and returns the host's own Fiber app with the CRM mounted under
// /crm, and the CRM, to close once the host has stopped.
func newHost(ctx context.Context, dir string, out io.Writer) (*fiber.App, *epiccrm.App, error) {
	app, err := epiccrm.Open(ctx, epiccrm.Config{
		DatabaseURL: "sqlite:" + filepath.Join(dir, "crm.db"),
		KeyFile:     filepath.Join(dir, "signing-key.pem"),
		Logger:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, nil, err
	}
	if _, err := app.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"), Email: crm.Some("admin@host.test"),
		Password: crm.Some("Velvet-Harbor-91")}); err != nil {
		app.Close()
		return nil, nil, err
	}
	fmt.Fprintln(out, "log in as admin / Velvet-Harbor-91")

	// The host's own app, with Fiber's defaults, and a route of its own.
	host := fiber.New(fiber.Config{DisableStartupMessage: true})
	host.Get("/hello", func(c *fiber.Ctx) error { return c.SendString("hello from the host program") })
	if err := app.Mount(host, "/crm"); err != nil { // /crm/api/v1, /crm/admin, /crm/api/docs, /crm/healthz, ...
		app.Close()
		return nil, nil, err
	}
	return host, app, nil
}
