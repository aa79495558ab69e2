// Command embedhttp shows how a Go program serves EpicCRM's REST API and admin UI from its own
// Fiber app, next to routes of its own. It keeps its data in a SQLite file in a temporary
// directory and creates a management account whose password it prints.
//
//	go run ./examples/embedhttp    # then open http://127.0.0.1:8090/admin/
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "epiccrm-embedhttp-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	app, closeStore, err := newApp(ctx, dir, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
		os.Exit(1)
	}
	defer closeStore()
	go func() {
		<-ctx.Done()
		_ = app.Shutdown()
	}()
	fmt.Println("serving on http://127.0.0.1:8090 (Ctrl-C stops)")
	if err := app.Listen("127.0.0.1:8090"); err != nil {
		fmt.Fprintln(os.Stderr, "embedhttp:", err)
	}
}

// newApp opens the CRM's store in dir and returns the host's Fiber app with the CRM mounted,
// and a function that closes the store once the app has stopped.
func newApp(ctx context.Context, dir string, out io.Writer) (*fiber.App, func(), error) {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "crm.db"))
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*fiber.App, func(), error) {
		store.Close()
		return nil, nil, err
	}
	if err := store.MigrateUp(ctx); err != nil {
		return fail(err)
	}
	pol, err := policy.Default()
	if err != nil {
		return fail(err)
	}
	deps := store.Deps()
	deps.Authorizer = pol
	deps.Passwords = password.New(password.Recommended)
	svc := crm.New(deps)
	if _, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"), Email: crm.Some("admin@host.test"),
		Password: crm.Some("Velvet-Harbor-91")}); err != nil {
		return fail(err)
	}
	fmt.Fprintln(out, "log in as admin / Velvet-Harbor-91")

	key, err := jwtauth.LoadOrCreateKey(filepath.Join(dir, "signing-key.pem"))
	if err != nil {
		return fail(err)
	}
	tokens, err := jwtauth.New(jwtauth.Config{}, key, store, svc)
	if err != nil {
		return fail(err)
	}
	ui, err := web.New(web.Config{}, svc, store)
	if err != nil {
		return fail(err)
	}

	// The host's own app, with EpicCRM's safe server settings, and a route of its own.
	cfg := httpapi.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	app := httpapi.NewApp(cfg)
	app.Get("/hello", func(c *fiber.Ctx) error { return c.SendString("hello from the host program") })
	httpapi.New(cfg, svc, tokens, store).Register(app) // /api/v1, /api/docs, /healthz, ...
	ui.Register(app)                                   // /admin
	return app, func() { store.Close() }, nil
}
