// Package sqlite is the embedded SQLite store of EpicCRM: one database file, the pure-Go driver
// modernc.org/sqlite (no cgo), and the shared SQL of package sqlstore.
//
// Every connection runs in WAL mode with foreign keys enforced and a 5 s busy timeout, set in
// the DSN so that no pooled connection can miss them. Writes go through a single writer
// connection whose transactions begin with BEGIN IMMEDIATE, so writers queue in Go rather than
// failing with SQLITE_BUSY; reads go to a separate pool of read-only connections, which WAL lets
// run alongside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/migrations"
	"github.com/golang-migrate/migrate/v4/database"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is a SQLite database holding the CRM. It implements every store port of the crm
// package (through the embedded *sqlstore.Store) and is safe for concurrent use.
type Store struct {
	*sqlstore.Store
	path   string
	reader *sql.DB
	reads  *stmtCache // the statements of reader
	writer *sql.DB
	health *writeHealth
	upkeep upkeep
	upkept upkeepStats
	sqlstore.Migrator
}

// Pragmas set on every connection. busy_timeout makes a connection wait up to 5 s for a lock
// held by another process (a CLI command next to the server) instead of failing at once.
const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"

// dsn returns the driver DSN of the database at path: the pragmas, BEGIN IMMEDIATE for write
// transactions, and query_only for the read pool.
func dsn(path string, readOnly bool) string {
	d := path + "?" + pragmas + "&_txlock=immediate"
	if readOnly {
		d += "&_pragma=query_only(1)"
	}
	return d
}

// Open opens (creating it if need be) the SQLite database file at path. It does not migrate the
// schema: call MigrateUp. The directory of path must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open SQLite database %q: give a plain file path (no '?', '#', file: prefix or :memory: name)", path)
	}
	writer, err := openPool(ctx, path, false, 1)
	if err != nil {
		return nil, err
	}
	reader, err := openPool(ctx, path, true, max(4, runtime.NumCPU()))
	if err != nil {
		_ = writer.Close()
		return nil, err
	}
	health := &writeHealth{}
	reads := newStmtCache(reader, stmtCacheSize)
	s := &Store{
		Store:  sqlstore.New(&pool{read: reader, reads: reads, write: writer, health: health}, Dialect),
		path:   path,
		reader: reader,
		reads:  reads,
		writer: writer,
		health: health,
		upkeep: defaultUpkeep,
	}
	s.Migrator = sqlstore.Migrator{Name: "SQLite", Source: migrations.SQLite, Driver: s.migrationDriver,
		After: s.afterMigrate}
	return s, nil
}

// openPool opens a pool of at most n connections to path and checks that one connects.
func openPool(ctx context.Context, path string, readOnly bool, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, readOnly))
	if err != nil {
		return nil, fmt.Errorf("open SQLite database %q: %w", path, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite database %q: %w (does its directory exist, and may this process write to it?)", path, err)
	}
	return db, nil
}

// migrationDriver returns a golang-migrate driver over a connection of its own, which the
// migration run closes.
func (s *Store) migrationDriver(ctx context.Context) (database.Driver, error) {
	db, err := sql.Open("sqlite", dsn(s.path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	drv, err := migratesqlite.WithInstance(db, &migratesqlite.Config{})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return drv, nil
}

// Ping checks that the database can be read and written, for a readiness probe. It reads on the
// read pool; and when the last write failed for a reason of the storage (a full disk, an I/O
// error, a read-only file), it commits a probe write, and reports the database as not ready
// until one succeeds, so that a load balancer stops sending requests that would all fail. As
// long as writes succeed, it takes nothing from the single writer connection.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("SQLite database %q is not readable: %w", s.path, err)
	}
	if s.health.failure() == nil {
		return nil
	}
	err := probeWrite(ctx, s.writer)
	s.health.record(err)
	if err != nil {
		return fmt.Errorf("SQLite database %q cannot be written (a full disk, an I/O error or a read-only file?): %w", s.path, err)
	}
	return nil
}

// Close closes every connection. Call it once the server has finished its requests.
func (s *Store) Close() error {
	return errors.Join(s.reads.close(), s.reader.Close(), s.writer.Close())
}

// Stats returns the statistics of the read pool (writes go through one connection of their own),
// for the metrics endpoint.
func (s *Store) Stats() sql.DBStats { return s.reader.Stats() }

// afterMigrate brings the users' uniqueness keys up to date after migrating (see
// sqlstore.Store.RekeyUsers; accounts whose keys collide are left as they were, not refused),
// and folds the search columns of the rows that have none (sqlstore.Store.RefoldSearch).
func (s *Store) afterMigrate(ctx context.Context) error {
	if _, err := s.RekeyUsers(ctx); err != nil {
		return err
	}
	_, err := s.RefoldSearch(ctx)
	return err
}
