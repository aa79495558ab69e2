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

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// serveFlags are the settings of the serve command.
type serveFlags struct {
	db              dbFlags
	addr            string
	basePath        string
	policy          string
	keyFile         string
	logFile         string
	demo            bool
	migrate         bool
	secureCookies   bool
	trustedProxies  string
	shutdownTimeout time.Duration
	pprofAddr       string
	pprofRemote     bool
}

// cmdServe serves the REST API and the admin UI until ctx is cancelled (SIGINT or SIGTERM), then
// shuts down gracefully: it stops accepting connections, lets in-flight requests finish, and
// closes the database last. The policy file is reloaded when it changes and on SIGHUP.
func cmdServe(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("serve", "Serve the REST API (/api/v1) and the admin UI (/admin). Applies pending migrations first;\non an empty database, creates the first management account and prints its one-time password.", e.stderr)
	var f serveFlags
	f.db.register(fs)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8000", "the address to listen on, HOST:PORT")
	fs.StringVar(&f.basePath, "base-path", "", "serve everything under this path, such as /crm, for a reverse proxy that forwards /crm/... unchanged")
	fs.StringVar(&f.policy, "policy", "", "the permission policy file (default: the built-in policy.csv); reloaded when it changes and on SIGHUP")
	fs.StringVar(&f.keyFile, "key-file", "epiccrm-signing-key.pem", "the Ed25519 key that signs access tokens; created on first start (share it between processes)")
	fs.StringVar(&f.logFile, "log-file", "", "append the JSON logs to this file instead of standard error")
	fs.BoolVar(&f.demo, "demo", false, "load the demo data into an empty database and print the demo logins")
	fs.BoolVar(&f.migrate, "migrate", true, "apply pending migrations at start")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the admin UI's cookies Secure (set it when clients reach the server over HTTPS)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies allowed to set X-Forwarded-For")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long to let in-flight requests finish on shutdown")
	fs.StringVar(&f.pprofAddr, "pprof-addr", "", "serve Go's profiles (/debug/pprof/) on this loopback HOST:PORT, such as 127.0.0.1:6060; off when empty")
	fs.BoolVar(&f.pprofRemote, "pprof-allow-remote", false, "allow a --pprof-addr that is not a loopback address")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if f.pprofAddr != "" {
		if err := checkPprofAddr(f.pprofAddr, f.pprofRemote); err != nil {
			return err
		}
	}
	logger, closeLog, err := newLogger(f.logFile, e.stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	if f.basePath != "" && !strings.HasPrefix(f.basePath, "/") {
		return usageError{fmt.Sprintf("--base-path %q must start with a slash, such as /crm", f.basePath)}
	}
	base := httpapi.CleanBasePath(f.basePath)
	apiCfg := httpapi.Config{Logger: logger, TrustedProxies: splitList(f.trustedProxies), BasePath: base}
	crmApp, err := openCRM(ctx, f.db.url, f.migrate, epiccrm.Config{Policy: f.policy, KeyFile: f.keyFile,
		Logger: logger, API: apiCfg, Admin: web.Config{Secure: f.secureCookies}})
	if err != nil {
		return err
	}
	defer crmApp.Close()
	// SIGHUP reloads the policy until serve returns, graceful shutdown included.
	crmApp.Policy().ReloadOnSignal(syscall.SIGHUP)

	if f.demo {
		if err := loadDemo(ctx, crmApp.Store().Deps().Users, crmApp.Service, e.stdout); err != nil {
			return err
		}
	}
	if err := ensureFirstAccount(ctx, crmApp.Service, base, e.stdout); err != nil {
		return err
	}

	app := httpapi.NewApp(apiCfg)
	if err := crmApp.Mount(app, base); err != nil {
		return usageError{fmt.Sprintf("--base-path: %v", err)}
	}
	home := func(c *fiber.Ctx) error { return c.Redirect(base+web.Prefix+"/", fiber.StatusFound) }
	app.Get("/", home)
	if base != "" {
		app.Get(base, home)
		app.Get(base+"/", home)
	}

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", f.addr, err)
	}
	if f.pprofAddr != "" {
		stop, err := startPprof(f.pprofAddr, logger)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stop()
	}
	fmt.Fprintf(e.stdout, "EpicCRM is serving on http://%s%s  (admin UI: %[2]s/admin/, API: %[2]s/api/v1, docs: %[2]s/api/docs)\n", ln.Addr(), base)
	pol := crmApp.Policy()
	logger.Info("serving", "addr", ln.Addr().String(), "base_path", base, "database", redact(f.db.url),
		"policy", pol.Policy().Name(), "policy_fingerprint", pol.Fingerprint())
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
// without printing anything, since the account they meant to create exists. base is the path
// the server is mounted under, for the login address it prints.
func ensureFirstAccount(ctx context.Context, svc *crm.Service, base string, out io.Writer) error {
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
		"    username: %s\n    password: %s\n\nLog in at %s/admin/login and change it (Account > Change password).\n\n", u.Username, pw, base)
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
