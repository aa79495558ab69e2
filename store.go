package epiccrm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// Store is a database as the CRM uses it: the domain's store ports, refresh tokens, admin
// sessions, readiness, metrics and migrations. *sqlite.Store and *postgres.Store implement it.
type Store interface {
	// Deps returns the store ports of the domain (Users, Clients, ... Throttle).
	Deps() crm.Deps
	crm.RefreshTokenStore
	crm.SessionStore
	// IdempotencyStore keeps the Idempotency-Key answers of the REST API.
	crm.IdempotencyStore
	// Ping returns an error when the database cannot be reached before ctx ends.
	Ping(ctx context.Context) error
	// Collector reports the connection pool's statistics on /metrics.
	Collector() prometheus.Collector
	// MigrateUp applies the pending migrations; MigrateDown reverts them all.
	MigrateUp(ctx context.Context) error
	MigrateDown(ctx context.Context) error
	// MigrateVersion returns the schema's version, and whether a migration failed half-way.
	MigrateVersion() (version uint, dirty bool, err error)
	// LatestMigration returns the version of the newest migration built into the program.
	LatestMigration() (uint, error)
	// Close closes every connection.
	Close() error
}

var (
	_ Store = (*sqlite.Store)(nil)
	_ Store = (*postgres.Store)(nil)
)

// upkeeper is a store with background work of its own: the SQLite store keeps its search
// indexes merged (sqlite.Store.Upkeep). The App runs it from Open to Close.
type upkeeper interface {
	Upkeep(ctx context.Context, log *slog.Logger)
}

var _ upkeeper = (*sqlite.Store)(nil)

// startUpkeep runs the store's background work, if it has any, until Close.
func (a *App) startUpkeep() {
	u, ok := a.store.(upkeeper)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.Upkeep(ctx, a.log)
	}()
	a.stopUpkeep = func() {
		cancel()
		<-done
	}
}

// ErrDatabaseURL is the error (tested with errors.Is) of a database URL OpenStore does not
// understand.
var ErrDatabaseURL = errors.New("unsupported database URL")

// OpenStore opens the database named by a URL: postgres://... (or postgresql://...),
// sqlite:PATH, or a bare PATH, which means SQLite. It does not migrate it (see Open).
func OpenStore(ctx context.Context, databaseURL string) (Store, error) {
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		st, err := postgres.Open(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL at %s: %w", Redact(databaseURL), err)
		}
		return st, nil
	case strings.TrimSpace(databaseURL) == "":
		return nil, fmt.Errorf("%w: it is empty: give postgres://..., sqlite:PATH or a file path", ErrDatabaseURL)
	default:
		path := strings.TrimPrefix(databaseURL, "sqlite:")
		if path == "" || strings.Contains(databaseURL, "://") && !strings.HasPrefix(databaseURL, "sqlite:") {
			return nil, fmt.Errorf("%w %q: give postgres://..., sqlite:PATH or a file path", ErrDatabaseURL, Redact(databaseURL))
		}
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
		}
		return st, nil
	}
}

// Redact hides the password of a database URL, for messages and logs.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.User == nil {
		return databaseURL
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// CheckSchema refuses a schema that a failed migration left dirty, or that is at another
// version than the newest migration built into this program: an unmigrated or outdated schema
// would otherwise fail at the first request on a missing table or column.
func CheckSchema(db Store) error {
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
		return sqlstore.SchemaNewer(v, latest)
	}
	return nil
}
