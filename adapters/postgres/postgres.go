// Package postgres is the PostgreSQL store of EpicCRM: a pgx v5 connection pool and the shared
// SQL of package sqlstore. Several server processes may share one database: everything they
// must agree on (refresh tokens, login throttling, sessions, the audit log) lives in it, and
// updates lock their rows with SELECT ... FOR UPDATE.
package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/migrations"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Store is a PostgreSQL database holding the CRM. It implements every store port of the crm
// package (through the embedded *sqlstore.Store) and is safe for concurrent use.
type Store struct {
	*sqlstore.Store
	pool *pgxpool.Pool
	sqlstore.Migrator
	actors *actorCache
}

// Pool settings used unless the URL sets them.
const (
	connectTimeout    = 5 * time.Second  // connect_timeout
	maxConns          = 10               // pool_max_conns
	healthCheckPeriod = 15 * time.Second // pool_health_check_period
	maxConnIdleTime   = 5 * time.Minute  // pool_max_conn_idle_time
)

// Open connects to the PostgreSQL database at url (postgres://user@host:port/db?...), and checks
// that it answers. It does not migrate the schema: call MigrateUp.
//
// The pool keeps up to 10 connections, checks idle ones every 15 s (so a restarted server is
// noticed and reconnected to without a restart of ours) and gives a connection attempt 5 s; the
// URL's connect_timeout, pool_max_conns, pool_health_check_period and pool_max_conn_idle_time
// parameters override these.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: the database URL is not valid (expected postgres://user@host:port/dbname): %w", err)
	}
	if !sets(url, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if !sets(url, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	if !sets(url, "pool_health_check_period") {
		cfg.HealthCheckPeriod = healthCheckPeriod
	}
	if !sets(url, "pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = maxConnIdleTime
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL at %s: %w", describe(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL at %s: %w (is the server running, and does the database exist?)", describe(cfg), err)
	}
	s := &Store{Store: sqlstore.New(&db{pool: pool}, Dialect), pool: pool, actors: newActorCache(pool)}
	s.Migrator = sqlstore.Migrator{Name: "PostgreSQL", Source: migrations.Postgres, Driver: s.migrationDriver,
		After: s.rekeyUsers}
	return s, nil
}

// sets reports whether the URL or keyword/value connection string sets the parameter key.
func sets(url, key string) bool { return strings.Contains(url, key+"=") }

// describe names the server and database of cfg for messages, without the password.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// migrationDriver returns golang-migrate's pgx driver over a database/sql handle of its own,
// which the migration run closes. The driver takes a PostgreSQL advisory lock, so several
// processes starting at once apply each migration exactly once.
func (s *Store) migrationDriver(ctx context.Context) (database.Driver, error) {
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return drv, nil
}

// Ping checks that the database answers, for a readiness probe. Give ctx a short deadline.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("PostgreSQL at %s does not answer: %w", describe(s.pool.Config()), err)
	}
	return nil
}

// Close closes every connection, waiting for those in use to be released. Call it once the
// server has finished its requests.
func (s *Store) Close() error {
	s.actors.close()
	s.pool.Close()
	return nil
}

// Deps returns the store ports of the domain, as sqlstore.Store.Deps does, but with the users
// acting in requests kept in a cache that every change to a user, in any process, empties of
// that user at once (crm.ActorFinder; migration 0010 notifies the changes). The cache is
// bypassed whenever the connection that listens for the changes is down.
func (s *Store) Deps() crm.Deps {
	d := s.Store.Deps()
	d.Users = actorUsers{Store: s.Store, cache: s.actors}
	return d
}

// Stat returns the statistics of the connection pool, for the metrics endpoint.
func (s *Store) Stat() *pgxpool.Stat { return s.pool.Stat() }

// rekeyUsers brings the users' uniqueness keys up to date after migrating (see
// sqlstore.Store.RekeyUsers). Accounts whose keys collide are left as they were, not refused.
func (s *Store) rekeyUsers(ctx context.Context) error {
	_, err := s.RekeyUsers(ctx)
	return err
}
