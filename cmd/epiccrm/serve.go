package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// serveFlags are the settings of the serve command.
type serveFlags struct {
	db              dbFlags
	webhooks        webhookFlags
	addr            string
	basePath        string
	policy          string
	keyFile         string
	kek             string
	issuer          string
	audience        string
	policyMustMatch bool
	logFile         string
	demo            bool
	migrate         bool
	secureCookies   bool
	language        string
	timeZone        string
	trustedProxies  string
	shutdownTimeout time.Duration
	pprofAddr       string
	pprofRemote     bool
	shutdownDelay   time.Duration
	dbWait          time.Duration
	idempotencyTTL  time.Duration
	pgTimeouts      pgTimeouts
	smtp            smtpFlags
}

// defaultShutdownTimeout lets a request that started just before the shutdown use its whole
// time budget (httpapi.DefaultRequestTimeout) and still have its answer written.
const defaultShutdownTimeout = httpapi.DefaultRequestTimeout + 5*time.Second

// cmdServe serves the REST API and the admin UI until ctx is cancelled (SIGINT or SIGTERM), then
// shuts down gracefully (see stopper): /readyz turns 503 at once, the listener closes after
// --shutdown-delay, in-flight requests finish or are answered 503 within --shutdown-timeout,
// and the database is closed last. The policy file is reloaded when it changes and on SIGHUP.
func cmdServe(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("serve", "Serve the REST API (/api/v1) and the admin UI (/admin). Applies pending migrations first;\non an empty database, creates the first management account and prints its one-time password.", e.stderr)
	var (
		f        serveFlags
		logger   *slog.Logger
		closeLog func()
		err      error
	)
	f.db.register(fs)
	f.webhooks.register(fs)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8000", "the address to listen on, HOST:PORT")
	fs.StringVar(&f.basePath, "base-path", "", "serve everything under this path, such as /crm, for a reverse proxy that forwards /crm/... unchanged")
	fs.StringVar(&f.policy, "policy", "", "the permission policy file (default: the built-in policy.csv); reloaded when it changes and on SIGHUP")
	fs.StringVar(&f.keyFile, "key-file", "epiccrm-signing-key.pem", "the Ed25519 key that signs access tokens; created on first start (share it between processes)")
	fs.StringVar(&f.kek, "key-encryption-key", "", "keep the signing keys in the database, sealed with this key (32 random bytes in base64: "+
		"openssl rand -base64 32), instead of --key-file; the same for every process; rotate them with 'epiccrm keys rotate'. "+
		"Prefer the environment variable: a command line is visible to other users")
	fs.StringVar(&f.issuer, "issuer", "", "the iss claim of the access tokens (default \"epiccrm\"); the same for every process")
	fs.StringVar(&f.audience, "audience", "", "the aud claim of the access tokens (default \"epiccrm-api\"); the same for every process")
	fs.BoolVar(&f.policyMustMatch, "policy-must-match", false, "refuse to start when the policy's fingerprint differs from the one "+
		"most recently recorded in the database by a process (without it: start, and warn in the log)")
	fs.StringVar(&f.logFile, "log-file", "", "append the JSON logs to this file instead of standard error (either is written every 100 ms)")
	fs.BoolVar(&f.demo, "demo", false, "load the demo data into an empty database and print the demo logins")
	fs.BoolVar(&f.migrate, "migrate", true, "apply pending migrations at start")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the admin UI's cookies Secure (set it when clients reach the server over HTTPS)")
	fs.StringVar(&f.language, "language", web.DefaultLanguage, "the language of the admin UI, of /api/docs and of the e-mail reminders for users who saved none (in the UI and /api/docs, whose browser asks for none it speaks): "+strings.Join(web.Languages, " or "))
	fs.StringVar(&f.timeZone, "timezone", web.DefaultTimeZone, "the IANA time zone the admin UI and the e-mail reminders show times in, for users who chose none (times are stored in UTC)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies allowed to set X-Forwarded-For")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout,
		"on shutdown, how long in-flight requests may take to finish; those still running near the end are stopped and answered 503")
	fs.DurationVar(&f.shutdownDelay, "shutdown-delay", 0,
		"on shutdown, how long to keep serving with /readyz answering 503 before closing the listener, so that a load balancer stops sending first (such as 5s)")
	fs.DurationVar(&f.dbWait, "db-wait", 60*time.Second,
		"at start, how long to keep trying to reach the database before giving up (0: try once); nothing listens meanwhile")
	fs.DurationVar(&f.idempotencyTTL, "idempotency-ttl", httpapi.DefaultIdempotencyTTL,
		"how long the answer of a POST sent with an Idempotency-Key is kept for its retries")
	f.pgTimeouts.register(fs)
	f.smtp.register(fs)
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
	keyFile := f.keyFile
	if f.kek != "" {
		set := false
		fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "key-file" })
		if set {
			return usageError{"give --key-file or --key-encryption-key (keys kept in the database), not both"}
		}
		keyFile = ""
	}
	if f.db.url, err = f.pgTimeouts.apply(f.db.url); err != nil {
		return err
	}
	if f.dbWait < 0 {
		return usageError{fmt.Sprintf("--db-wait %s must not be negative", f.dbWait)}
	}
	if f.idempotencyTTL <= 0 {
		return usageError{fmt.Sprintf("--idempotency-ttl %s must be positive, such as 24h", f.idempotencyTTL)}
	}
	if f.shutdownTimeout <= 0 || f.shutdownDelay < 0 {
		return usageError{fmt.Sprintf("--shutdown-timeout %s must be positive and --shutdown-delay %s not negative",
			f.shutdownTimeout, f.shutdownDelay)}
	}
	logger, closeLog, err = newLogger(f.logFile, e.stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	if f.basePath != "" && !strings.HasPrefix(f.basePath, "/") {
		return usageError{fmt.Sprintf("--base-path %q must start with a slash, such as /crm", f.basePath)}
	}
	base := httpapi.CleanBasePath(f.basePath)
	stop := newStopper(f.shutdownDelay, f.shutdownTimeout)
	apiCfg := httpapi.Config{Logger: logger, TrustedProxies: splitList(f.trustedProxies), BasePath: base,
		Draining: stop.draining.Load, IdempotencyTTL: f.idempotencyTTL}
	if err := waitForDatabase(ctx, f.db.url, f.dbWait, logger); err != nil {
		return err
	}
	crmApp, err := openCRM(ctx, f.db.url, f.migrate, epiccrm.Config{Policy: f.policy, KeyFile: keyFile,
		KeyEncryptionKey: f.kek, PolicyMustMatch: f.policyMustMatch,
		Tokens: jwtauth.Config{Issuer: f.issuer, Audience: f.audience},
		Logger: logger, API: apiCfg, Admin: web.Config{Secure: f.secureCookies, Language: f.language, TimeZone: f.timeZone},
		SMTPURL: f.smtp.url, SMTPFrom: f.smtp.from, Reminders: f.smtp.reminders(),
		Webhooks: f.webhooks.config()})
	if err != nil {
		return err
	}
	defer closeWithin(crmApp.Close, time.Second, logger)
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
	app.Use(stop.requestContext)
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
	return stop.serveUntilDone(ctx, app, ln, logger)
}

// waitForDatabase returns once the database of dbURL can be opened, trying again with a growing
// pause (a quarter of a second, doubling up to 5 s) for at most wait, so that a server started
// before its database (a container started with it, or restarted meanwhile) comes up when the
// database does rather than exiting. Nothing listens meanwhile: a load balancer sees the
// process as down, which it is. A database URL it does not understand is refused at once.
func waitForDatabase(ctx context.Context, dbURL string, wait time.Duration, logger *slog.Logger) error {
	deadline := time.Now().Add(wait)
	pause := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithDeadline(ctx, deadline)
		if wait == 0 || time.Until(deadline) < time.Second {
			cancel()
			actx, cancel = context.WithTimeout(ctx, 10*time.Second) // the last try gets its time
		}
		st, err := openDatabase(actx, dbURL)
		cancel()
		if err == nil {
			if attempt > 1 {
				logger.Info("the database can be reached", "database", redact(dbURL), "attempts", attempt)
			}
			return st.Close()
		}
		if errors.As(err, new(usageError)) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			if wait == 0 {
				return err
			}
			return fmt.Errorf("gave up reaching the database after %d attempts in %s (--db-wait): %w", attempt, wait, err)
		}
		pause = min(pause, left)
		logger.Warn("the database cannot be reached yet: trying again", "database", redact(dbURL), "attempt", attempt,
			"retry_in", pause.String(), "gives_up_in", left.Round(time.Second).String(), "error", err.Error())
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return fmt.Errorf("stopped while waiting for the database: %w", err)
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// stopper runs the graceful shutdown of a server. When its context ends it
//
//  1. marks the process as draining, so that /readyz answers 503, and keeps serving for delay,
//     the time a load balancer needs to notice and stop sending new requests;
//  2. closes the listener and the idle connections and lets the requests in flight finish;
//  3. near the end of timeout, cancels the context of the requests still running (with
//     httpapi.ErrShuttingDown), so that each is rolled back and answered 503 rather than cut off;
//  4. returns at the latest when timeout has passed, so that the process exits in delay +
//     timeout whatever its requests do.
type stopper struct {
	delay, timeout time.Duration
	draining       atomic.Bool
	requests       context.Context // the parent of every request's context
	cancelRequests context.CancelCauseFunc
}

// newStopper returns a stopper with the given delay and timeout.
func newStopper(delay, timeout time.Duration) *stopper {
	s := &stopper{delay: delay, timeout: timeout}
	s.requests, s.cancelRequests = context.WithCancelCause(context.Background())
	return s
}

// requestContext is the first handler of the app: it gives each request a context that the
// stopper cancels when the shutdown runs out of time.
func (s *stopper) requestContext(c *fiber.Ctx) error {
	c.SetUserContext(s.requests)
	return c.Next()
}

// answerTime is the part of the timeout kept, after the requests still running are cancelled,
// for them to write their 503 answers.
func answerTime(timeout time.Duration) time.Duration { return min(timeout/4, 2*time.Second) }

// serveUntilDone serves app on ln until ctx is cancelled or the server fails, then shuts down
// gracefully (see stopper).
func (s *stopper) serveUntilDone(ctx context.Context, app *fiber.App, ln net.Listener, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if s.delay > 0 {
		logger.Info("shutting down: /readyz now answers 503; still serving during the shutdown delay", "delay", s.delay.String())
		select {
		case <-time.After(s.delay):
		case err := <-errc:
			return err
		}
	}
	logger.Info("shutting down: no new connections; finishing in-flight requests", "timeout", s.timeout.String())
	deadline, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cutoff := time.AfterFunc(s.timeout-answerTime(s.timeout), func() {
		logger.Warn("shutting down: stopping the requests still running, which are answered 503")
		s.cancelRequests(httpapi.ErrShuttingDown)
	})
	defer cutoff.Stop()
	defer s.cancelRequests(httpapi.ErrShuttingDown) // whatever still runs once serve returns
	if err := app.ShutdownWithContext(deadline); err != nil {
		return fmt.Errorf("graceful shutdown did not finish in %s: some requests were still running and got no answer: %w", s.timeout, err)
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

// newLogger returns a JSON logger writing to file (appending) or, when file is empty, to w, and
// the function that closes it. Lines are written in batches (see logWriter); closing writes
// what is pending, and the lines logged after it (by requests still running when serve
// returns) are dropped whole, so that the log never ends in the middle of a line.
func newLogger(file string, w io.Writer) (*slog.Logger, func(), error) {
	var closeFile func() error
	if file != "" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot open the log file: %w", err)
		}
		w, closeFile = f, f.Close
	}
	lw := newLogWriter(w, logFlushEvery)
	return slog.New(slog.NewJSONHandler(lw, nil)), func() {
		lw.close()
		if closeFile != nil {
			_ = closeFile()
		}
	}, nil
}

// logFlushEvery is how long a log line may wait in logWriter's buffer before it is written.
const logFlushEvery = 100 * time.Millisecond

// logBuffer is the size of logWriter's buffer: a line that would not fit writes the buffer out
// first.
const logBuffer = 64 << 10

// logWriter writes whole log lines to w in batches, until it is closed, then drops them. One
// write(2) per access log line cost 3 % of the CPU of GET one client (docs/performance.md,
// "What is left, with both caches warm"); the lines are now kept in a buffer and written at
// most every logFlushEvery, or as soon as the buffer is full, each write holding whole lines
// only (so processes appending to one file never split each other's lines). A process killed
// outright loses at most the lines of its last logFlushEvery; closing writes them.
type logWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

// newLogWriter returns a logWriter of w that writes its pending lines every flushEvery.
func newLogWriter(w io.Writer, flushEvery time.Duration) *logWriter {
	l := &logWriter{w: w, buf: make([]byte, 0, logBuffer), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				l.flush()
				l.mu.Unlock()
			}
		}
	}()
	return l
}

// Write takes one log line (slog writes each line whole), or drops it once the log is closed.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil
	}
	if len(l.buf)+len(p) > cap(l.buf) {
		l.flush()
		if len(p) > cap(l.buf) {
			return l.w.Write(p)
		}
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// flush writes the pending lines; l.mu is held. A failed write drops them: the log has nowhere
// else to report it.
func (l *logWriter) flush() {
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// close writes the pending lines and stops the writer: later lines are dropped.
func (l *logWriter) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.flush()
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
}

// closeWithin calls closeFn, waiting for it at most d: closing the database waits for the
// connections in use, and a request stuck past the shutdown must not hold the exit.
func closeWithin(closeFn func() error, d time.Duration, logger *slog.Logger) {
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	select {
	case err := <-done:
		if err != nil {
			logger.Warn("closing the database", "error", err.Error())
		}
	case <-time.After(d):
		logger.Warn("closing the database: connections still in use; exiting without waiting for them", "waited", d.String())
	}
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
