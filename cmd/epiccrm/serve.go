package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// serveFlags are the settings of the serve command.
type serveFlags struct {
	db              dbFlags
	addr            string
	policy          string
	keyFile         string
	logFile         string
	demo            bool
	migrate         bool
	secureCookies   bool
	trustedProxies  string
	shutdownTimeout time.Duration
}

// cmdServe serves the REST API and the admin UI until ctx is cancelled (SIGINT or SIGTERM), then
// shuts down gracefully: it stops accepting connections, lets in-flight requests finish, and
// closes the database last. The policy file is reloaded when it changes and on SIGHUP.
func cmdServe(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("serve", "Serve the REST API (/api/v1) and the admin UI (/admin). Applies pending migrations first;\non an empty database, creates the first management account and prints its one-time password.", e.stderr)
	var f serveFlags
	f.db.register(fs)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8000", "the address to listen on, HOST:PORT")
	fs.StringVar(&f.policy, "policy", "", "the permission policy file (default: the built-in policy.csv); reloaded when it changes and on SIGHUP")
	fs.StringVar(&f.keyFile, "key-file", "epiccrm-signing-key.pem", "the Ed25519 key that signs access tokens; created on first start (share it between processes)")
	fs.StringVar(&f.logFile, "log-file", "", "append the JSON logs to this file instead of standard error")
	fs.BoolVar(&f.demo, "demo", false, "load the demo data into an empty database and print the demo logins")
	fs.BoolVar(&f.migrate, "migrate", true, "apply pending migrations at start")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the admin UI's cookies Secure (set it when clients reach the server over HTTPS)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies allowed to set X-Forwarded-For")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long to let in-flight requests finish on shutdown")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	logger, closeLog, err := newLogger(f.logFile, e.stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	// The policy follows its file, and SIGHUP reloads it, until serve returns (not only until
	// ctx ends, so that a SIGHUP during the graceful shutdown does not end the process).
	pol, err := policy.Watch(context.WithoutCancel(ctx), f.policy, logger)
	if err != nil {
		return fmt.Errorf("refusing to start with this policy:\n%w", err)
	}
	defer pol.Close()
	pol.ReloadOnSignal(syscall.SIGHUP)
	db, err := migrated(ctx, f.db.url, f.migrate)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := newService(db, pol)

	if f.demo {
		if err := loadDemo(ctx, db.Deps().Users, svc, e.stdout); err != nil {
			return err
		}
	}
	if err := ensureFirstAccount(ctx, svc, e.stdout); err != nil {
		return err
	}

	key, err := jwtauth.LoadOrCreateKey(f.keyFile)
	if err != nil {
		return err
	}
	issuer, err := jwtauth.New(jwtauth.Config{}, key, db, svc)
	if err != nil {
		return err
	}
	ui, err := web.New(web.Config{Secure: f.secureCookies, Logger: logger}, svc, db)
	if err != nil {
		return err
	}
	cfg := httpapi.Config{Logger: logger, TrustedProxies: splitList(f.trustedProxies)}
	app := httpapi.NewApp(cfg)
	httpapi.New(cfg, svc, issuer, db).Register(app)
	ui.Register(app)
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect(web.Prefix+"/", fiber.StatusFound) })

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", f.addr, err)
	}
	fmt.Fprintf(e.stdout, "EpicCRM is serving on http://%s  (admin UI: /admin/, API: /api/v1, docs: /api/docs)\n", ln.Addr())
	logger.Info("serving", "addr", ln.Addr().String(), "database", redact(f.db.url), "policy", pol.Policy().Name(),
		"policy_fingerprint", pol.Fingerprint())
	return serveUntilDone(ctx, app, ln, f.shutdownTimeout, logger)
}

// serveUntilDone serves app on ln until ctx is cancelled or the server fails, then shuts down
// gracefully within timeout.
func serveUntilDone(ctx context.Context, app *fiber.App, ln net.Listener, timeout time.Duration, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", timeout.String())
	if err := app.ShutdownWithTimeout(timeout); err != nil {
		return fmt.Errorf("graceful shutdown did not finish in %s: %w", timeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// ensureFirstAccount creates the first management account on an empty database and prints its
// one-time password, once. Several processes may start at once on one empty database: all see
// no user, one creates the account, and the others' attempts conflict with it; they carry on
// without printing anything, since the account they meant to create exists.
func ensureFirstAccount(ctx context.Context, svc *crm.Service, out io.Writer) error {
	has, err := svc.HasUsers(ctx)
	if err != nil || has {
		return err
	}
	pw, err := randomPassword()
	if err != nil {
		return err
	}
	u, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"), Email: crm.Some("admin@epicevents.invalid"),
		FirstName: crm.Some("First"), LastName: crm.Some("Administrator"), Password: crm.Some(pw)})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil // another process created the first account since HasUsers
	}
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "\nCreated the first management account. Its password is shown only this once:\n\n"+
		"    username: %s\n    password: %s\n\nLog in at /admin/login and change it (Account > Change password).\n\n", u.Username, pw)
	return nil
}

// randomPassword returns a 128-bit random password.
func randomPassword() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newLogger returns a JSON logger writing to file (appending) or, when file is empty, to w.
func newLogger(file string, w io.Writer) (*slog.Logger, func(), error) {
	if file == "" {
		return slog.New(slog.NewJSONHandler(w, nil)), func() {}, nil
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the log file: %w", err)
	}
	return slog.New(slog.NewJSONHandler(f, nil)), func() { f.Close() }, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
