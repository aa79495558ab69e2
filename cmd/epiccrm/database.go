package main

import (
	"context"
	"errors"

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
func openCRM(ctx context.Context, dbURL string, migrate bool, cfg epiccrm.Config) (*epiccrm.App, error) {
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
