package main

import (
	"context"
	"errors"
	"flag"
	"net/url"
	"strconv"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/policy"
)

// database is the store the commands open: the SQLite or the PostgreSQL store.
type database = epiccrm.Store

// openDatabase opens the database named by a --database-url value: postgres://... (or
// postgresql://...), sqlite:PATH, or a bare path, which means SQLite. A URL it does not
// understand is a usage error.
func openDatabase(ctx context.Context, dbURL string) (database, error) {
	st, err := epiccrm.OpenStore(ctx, dbURL)
	return st, asUsage(err)
}

// openCRM opens the CRM on the database of dbURL with the other settings of cfg, applying
// pending migrations when migrate is set.
// Only serve delivers webhooks: a one-off command (cfg.Webhooks left zero) runs no dispatcher.
func openCRM(ctx context.Context, dbURL string, migrate bool, cfg epiccrm.Config) (*epiccrm.App, error) {
	if cfg.Webhooks == (epiccrm.WebhookConfig{}) {
		cfg.Webhooks.Disabled = true
	}
	cfg.DatabaseURL = dbURL
	cfg.NoMigrate = !migrate
	app, err := epiccrm.Open(ctx, cfg)
	return app, asUsage(err)
}

// asUsage turns an error about the database URL into a usage error.
func asUsage(err error) error {
	if errors.Is(err, epiccrm.ErrDatabaseURL) {
		return usageError{err.Error()}
	}
	return err
}

// redact hides the password of a database URL, for messages and logs.
func redact(dbURL string) string { return epiccrm.Redact(dbURL) }

// loadPolicy returns the policy in file, or the built-in one when file is empty.
func loadPolicy(file string) (*policy.Policy, error) {
	if file == "" {
		return policy.Default()
	}
	return policy.Load(file)
}

// pgTimeouts are the PostgreSQL timeouts serve may set on the command line, instead of in the
// database URL; zero leaves the URL's setting, or the store's default.
type pgTimeouts struct {
	statement, lock, acquire time.Duration
}

func (p *pgTimeouts) register(fs *flag.FlagSet) {
	fs.DurationVar(&p.statement, "db-statement-timeout", 0, "PostgreSQL: the longest a statement may run "+
		"(default: the URL's statement_timeout, else 20s)")
	fs.DurationVar(&p.lock, "db-lock-timeout", 0, "PostgreSQL: the longest a statement waits for a row or table "+
		"another transaction locked; it then fails with 409 'locked by another operation' (default: the URL's lock_timeout, else 5s)")
	fs.DurationVar(&p.acquire, "db-acquire-timeout", 0, "PostgreSQL: the longest a statement waits for a free "+
		"pooled connection; it then fails with 503 (default: the URL's pool_acquire_timeout, else 5s)")
}

// apply returns dbURL with the timeouts given set as its parameters, replacing the URL's own.
// They apply to PostgreSQL only: setting one for another database is a usage error.
func (p pgTimeouts) apply(dbURL string) (string, error) {
	if p == (pgTimeouts{}) {
		return dbURL, nil
	}
	if p.statement < 0 || p.lock < 0 || p.acquire < 0 {
		return "", usageError{"--db-statement-timeout, --db-lock-timeout and --db-acquire-timeout must not be negative"}
	}
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", usageError{"--db-statement-timeout, --db-lock-timeout and --db-acquire-timeout apply to PostgreSQL " +
			"only: give a postgres:// --database-url, or leave them out"}
	}
	q := u.Query()
	if p.statement > 0 {
		q.Set("statement_timeout", strconv.FormatInt(p.statement.Milliseconds(), 10))
	}
	if p.lock > 0 {
		q.Set("lock_timeout", strconv.FormatInt(p.lock.Milliseconds(), 10))
	}
	if p.acquire > 0 {
		q.Set("pool_acquire_timeout", p.acquire.String())
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
