package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// database is what the commands need of a store; both the SQLite and the PostgreSQL store
// provide it.
type database interface {
	Deps() crm.Deps
	MigrateUp(ctx context.Context) error
	MigrateDown(ctx context.Context) error
	MigrateVersion() (version uint, dirty bool, err error)
	Ping(ctx context.Context) error
	Close() error
	crm.RefreshTokenStore
	crm.SessionStore
}

// openDatabase opens the database named by a --database-url value: postgres://... (or
// postgresql://...), sqlite:PATH, or a bare path, which means SQLite.
func openDatabase(ctx context.Context, dbURL string) (database, error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		st, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL at %s: %w", redact(dbURL), err)
		}
		return st, nil
	case dbURL == "":
		return nil, usageError{"--database-url is empty: give postgres://..., sqlite:PATH or a file path"}
	default:
		path := strings.TrimPrefix(dbURL, "sqlite:")
		if path == "" || strings.Contains(dbURL, "://") && !strings.HasPrefix(dbURL, "sqlite:") {
			return nil, usageError{fmt.Sprintf("unsupported database URL %q: give postgres://..., sqlite:PATH or a file path", redact(dbURL))}
		}
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
		}
		return st, nil
	}
}

// redact hides the password of a database URL, for messages and logs.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil {
		return dbURL
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// migrated opens the database and brings its schema up to date, refusing a database that a
// failed migration left dirty.
func migrated(ctx context.Context, dbURL string, migrate bool) (database, error) {
	db, err := openDatabase(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := db.MigrateUp(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("applying migrations: %w", err)
		}
	}
	if v, dirty, err := db.MigrateVersion(); err != nil {
		db.Close()
		return nil, fmt.Errorf("reading the schema version: %w", err)
	} else if dirty {
		db.Close()
		return nil, fmt.Errorf("the database schema is dirty at version %d (a migration failed half-way): fix it by hand, then run 'epiccrm migrate' again", v)
	}
	return db, nil
}

// loadPolicy returns the policy in file, or the built-in one when file is empty.
func loadPolicy(file string) (*policy.Policy, error) {
	if file == "" {
		return policy.Default()
	}
	return policy.Load(file)
}

// newService builds the crm.Service over db with the given policy and production password hashing.
func newService(db database, pol *policy.Policy) *crm.Service {
	deps := db.Deps()
	deps.Authorizer = pol
	deps.Passwords = password.New(password.Recommended)
	return crm.New(deps)
}
