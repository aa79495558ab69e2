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
	LatestMigration() (uint, error)
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

// migrated opens the database, applies the pending migrations when migrate is set, and checks
// that the schema is the one this program's queries are written for (see checkSchema).
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
	if err := checkSchema(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSchema refuses a schema that a failed migration left dirty, or that is at another
// version than the newest migration built into this program: an unmigrated or outdated schema
// (serve --migrate=false) would otherwise fail at the first request on a missing table or column.
func checkSchema(db database) error {
	v, dirty, err := db.MigrateVersion()
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if dirty {
		return fmt.Errorf("the database schema is dirty at version %d (a migration failed half-way): fix it by hand, then run 'epiccrm migrate' again", v)
	}
	latest, err := db.LatestMigration()
	if err != nil {
		return err
	}
	switch {
	case v < latest:
		return fmt.Errorf("the database schema is at version %d, this epiccrm expects %d: run 'epiccrm migrate up'", v, latest)
	case v > latest:
		return fmt.Errorf("the database schema is at version %d, newer than the %d this epiccrm expects: "+
			"run the newer epiccrm that migrated it", v, latest)
	}
	return nil
}

// loadPolicy returns the policy in file, or the built-in one when file is empty.
func loadPolicy(file string) (*policy.Policy, error) {
	if file == "" {
		return policy.Default()
	}
	return policy.Load(file)
}

// newService builds the crm.Service over db with the given policy and production password hashing.
func newService(db database, pol crm.Authorizer) *crm.Service {
	deps := db.Deps()
	deps.Authorizer = pol
	deps.Passwords = password.New(password.Recommended)
	return crm.New(deps)
}
