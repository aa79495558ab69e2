// Package postgres is the PostgreSQL store of EpicCRM: a pgx v5 connection pool and the shared
// SQL of package sqlstore. Several server processes may share one database: everything they
// must agree on (refresh tokens, login throttling, sessions, the audit log) lives in it, and
// updates lock their rows with SELECT ... FOR UPDATE.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/migrations"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Store is a PostgreSQL database holding the CRM. It implements every store port of the crm
// package (through the embedded *sqlstore.Store) and is safe for concurrent use.
type Store struct {
	*sqlstore.Store
	pool     *pgxpool.Pool
	reserved *pgxpool.Pool
	sqlstore.Migrator
	actors *actorCache
}

// DefaultPoolSize is the size of the main pool unless the URL sets pool_max_conns: pgx's default,
// the number of cores of this machine, at least 4. A statement beyond the cores of the
// database does not run sooner, it shares a core with the others: with 10 connections on 2
// cores, sixteen concurrent searches each took turns on the CPU and the slowest waited longest
// (p99 46-104 ms), where with 4 they queue in order for a connection and finish in that order
// (p99 28-53 ms, the same requests per second; docs/performance.md, "PostgreSQL: a pool the
// size of the cores"). When PostgreSQL runs on a larger machine than this process, set
// pool_max_conns to about twice its cores.
func DefaultPoolSize() int32 { return max(4, int32(runtime.NumCPU())) }

// Pool settings used unless the URL sets them.
const (
	connectTimeout    = 5 * time.Second  // connect_timeout
	healthCheckPeriod = 15 * time.Second // pool_health_check_period
	maxConnIdleTime   = 5 * time.Minute  // pool_max_conn_idle_time
	// AcquireTimeout is how long a statement waits for a free pooled connection (the URL's
	// pool_acquire_timeout, such as 2s, overrides it).
	AcquireTimeout = 5 * time.Second
	// StatementTimeout is the server's statement_timeout, well below the API's 30 s request
	// budget, so that a runaway statement fails with a clear error and frees its connection
	// (the URL's statement_timeout, in milliseconds or with a unit such as 10s, overrides it).
	StatementTimeout = 20 * time.Second
	// LockTimeout is the server's lock_timeout: a statement waiting longer for a row or table
	// that another transaction locked gives up, and the request answers "the record is locked
	// by another operation" (the URL's lock_timeout overrides it).
	LockTimeout = 5 * time.Second
)

// The reserved pool: a few connections of their own for the reads that authenticate each
// request and for the readiness probe, with short timeouts, so that they never queue behind
// slow record queries holding every connection of the main pool.
const (
	reservedConns            = 2
	reservedStatementTimeout = 2 * time.Second
	reservedLockTimeout      = time.Second
	reservedAcquireTimeout   = 2 * time.Second
)

// Open connects to the PostgreSQL database at url (postgres://user@host:port/db?...), and checks
// that it answers. It does not migrate the schema: call MigrateUp.
//
// The pool keeps up to DefaultPoolSize connections, checks idle ones every 15 s (so a restarted
// server is noticed and reconnected to without a restart of ours) and gives a connection attempt
// 5 s; the URL's connect_timeout, pool_max_conns, pool_health_check_period and
// pool_max_conn_idle_time parameters override these. A statement waits at most AcquireTimeout
// for a free connection, runs at most StatementTimeout and waits at most LockTimeout for a lock
// (the URL's pool_acquire_timeout, statement_timeout and lock_timeout override these; 0 means no
// limit). Two more connections, reserved, serve the reads of one user by id that authenticate
// every request, and Ping, with timeouts of 1 to 2 s.
func Open(ctx context.Context, url string) (*Store, error) {
	url, acquire, err := cutAcquireTimeout(url)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: the database URL is not valid (expected postgres://user@host:port/dbname): %w", err)
	}
	if !sets(url, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if !sets(url, "pool_max_conns") {
		cfg.MaxConns = DefaultPoolSize()
	}
	if !sets(url, "pool_health_check_period") {
		cfg.HealthCheckPeriod = healthCheckPeriod
	}
	if !sets(url, "pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = maxConnIdleTime
	}
	reservedCfg := cfg.Copy()
	setParam(cfg, "statement_timeout", StatementTimeout, !sets(url, "statement_timeout"))
	setParam(cfg, "lock_timeout", LockTimeout, !sets(url, "lock_timeout"))
	reservedCfg.MaxConns, reservedCfg.MinConns = reservedConns, 0
	setParam(reservedCfg, "statement_timeout", reservedStatementTimeout, true)
	setParam(reservedCfg, "lock_timeout", reservedLockTimeout, true)

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL at %s: %w", describe(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL at %s: %w (is the server running, and does the database exist?)", describe(cfg), err)
	}
	reserved, err := pgxpool.NewWithConfig(ctx, reservedCfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL at %s: %w", describe(cfg), err)
	}
	s := &Store{Store: sqlstore.New(newDB(pool, acquire), Dialect), pool: pool, reserved: reserved,
		actors: newActorCache(pool)}
	s.ReserveUserReads(newDB(reserved, reservedAcquireTimeout))
	s.Migrator = sqlstore.Migrator{Name: "PostgreSQL", Source: migrations.Postgres, Driver: s.migrationDriver,
		After: s.afterMigrate}
	return s, nil
}

// setParam sets the server setting name of every connection of cfg to d, when set is true.
func setParam(cfg *pgxpool.Config, name string, d time.Duration, set bool) {
	if set {
		cfg.ConnConfig.RuntimeParams[name] = strconv.FormatInt(d.Milliseconds(), 10)
	}
}

// cutAcquireTimeout takes the pool_acquire_timeout parameter, which is ours and not the
// server's, out of a postgres:// URL and returns it (AcquireTimeout when absent).
func cutAcquireTimeout(rawURL string) (string, time.Duration, error) {
	if !sets(rawURL, "pool_acquire_timeout") {
		return rawURL, AcquireTimeout, nil
	}
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return "", 0, fmt.Errorf("open PostgreSQL: the database URL is not valid (expected postgres://user@host:port/dbname): %w", err)
	}
	q := u.Query()
	v := q.Get("pool_acquire_timeout")
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return "", 0, fmt.Errorf("open PostgreSQL: pool_acquire_timeout=%q in the database URL: give a positive duration such as 2s", v)
	}
	q.Del("pool_acquire_timeout")
	u.RawQuery = q.Encode()
	return u.String(), d, nil
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
	cc := s.pool.Config().ConnConfig.Copy()
	// A migration may rewrite a large table, or wait for the running servers' locks: no timeout.
	cc.RuntimeParams["statement_timeout"], cc.RuntimeParams["lock_timeout"] = "0", "0"
	db := stdlib.OpenDB(*cc)
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

// Ping checks that the database answers, for a readiness probe, on the reserved connections:
// slow record queries holding every connection of the main pool do not make a healthy server
// look down. Give ctx a short deadline.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reserved.Ping(ctx); err != nil {
		return fmt.Errorf("PostgreSQL at %s does not answer: %w", describe(s.pool.Config()), err)
	}
	return nil
}

// Close closes every connection, waiting for those in use to be released. Call it once the
// server has finished its requests.
func (s *Store) Close() error {
	s.actors.close()
	s.pool.Close()
	s.reserved.Close()
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

// afterMigrate brings the users' uniqueness keys up to date after migrating (see
// sqlstore.Store.RekeyUsers; accounts whose keys collide are left as they were, not refused),
// and folds the search columns of the rows that have none (sqlstore.Store.RefoldSearch).
func (s *Store) afterMigrate(ctx context.Context) error {
	if _, err := s.RekeyUsers(ctx); err != nil {
		return err
	}
	if _, err := s.RefoldSearch(ctx); err != nil {
		return err
	}
	tables, err := s.unanalyzed(ctx, unanalyzedPages)
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		slog.Warn("these PostgreSQL tables hold data but have no planner statistics (never analyzed: autovacuum is off, "+
			"or the database was restored from a dump); searches and lists may then take plans hundreds of times slower: "+
			"run ANALYZE on them (docs/performance.md)", "tables", tables)
	}
	return nil
}

// unanalyzedPages is the size, in 8 kB pages, from which a table without planner statistics is
// reported: below it, every plan reads little.
const unanalyzedPages = 1000

// unanalyzed returns the store's tables of at least minPages pages that have no planner
// statistics. Without them PostgreSQL guesses how many rows a condition matches: a search for a
// common word, guessed at 100 rows, is then read through the trigram index and sorted (10,000
// rows fetched at 1M clients) instead of by walking the primary key until the page is full.
func (s *Store) unanalyzed(ctx context.Context, minPages int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
			AND c.relname = ANY($1) AND pg_relation_size(c.oid) >= $2 * current_setting('block_size')::bigint
			AND NOT EXISTS (SELECT 1 FROM pg_stats st WHERE st.schemaname = current_schema() AND st.tablename = c.relname)
		ORDER BY c.relname`, []string{"users", "clients", "contracts", "events"}, minPages)
	if err != nil {
		return nil, fmt.Errorf("reading which tables have planner statistics: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
