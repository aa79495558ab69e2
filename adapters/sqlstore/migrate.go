package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// Migrator applies a set of golang-migrate migrations to one database. The sqlite and postgres
// stores each embed one, made from their migration set and a driver for their database, so its
// methods are theirs.
type Migrator struct {
	// Name names the database in messages, e.g. "SQLite".
	Name string
	// Source is the migration set, e.g. migrations.SQLite.
	Source fs.FS
	// Driver returns a golang-migrate driver for the database, with its own connection. It is
	// called once per run, and the driver is closed after the run.
	Driver func(ctx context.Context) (database.Driver, error)
	// After, when set, runs after every successful MigrateUp (even one with nothing to apply):
	// the data upkeep that SQL cannot do, such as Store.RekeyUsers.
	After func(ctx context.Context) error
}

// ErrSchemaNewer is the error (tested with errors.Is) of a database whose schema is at a
// version newer than the newest migration built into this program: a newer binary migrated it,
// and this one does not know its tables.
var ErrSchemaNewer = errors.New("the database schema is newer than this binary")

// SchemaNewer returns an error wrapping ErrSchemaNewer when the schema version v is newer than
// latest, the newest migration this program knows, and nil otherwise.
func SchemaNewer(v, latest uint) error {
	if v <= latest {
		return nil
	}
	return fmt.Errorf("%w: the database schema is at version %d, newer than this binary's %d: upgrade the binary",
		ErrSchemaNewer, v, latest)
}

// MigrateUp applies every migration not yet applied, then runs After. Having nothing to apply
// is no error. It refuses a schema newer than its newest migration (ErrSchemaNewer).
func (m Migrator) MigrateUp(ctx context.Context) error {
	latest, err := m.LatestMigration()
	if err != nil {
		return err
	}
	up := func(mg *migrate.Migrate) error {
		v, _, err := mg.Version()
		if err == nil {
			if err := SchemaNewer(v, latest); err != nil {
				return err
			}
		}
		return mg.Up()
	}
	if err := m.run(ctx, "up", up); err != nil {
		return err
	}
	if m.After != nil {
		if err := m.After(ctx); err != nil {
			return fmt.Errorf("migrate up: updating the %s data after the migrations: %w", m.Name, err)
		}
	}
	return nil
}

// MigrateDown reverts every applied migration, dropping the whole schema and its data. Having
// nothing to revert is no error.
func (m Migrator) MigrateDown(ctx context.Context) error {
	return m.run(ctx, "down", func(mg *migrate.Migrate) error { return mg.Down() })
}

// MigrateVersion returns the version of the last applied migration (0 for none) and whether it
// failed halfway (dirty), in which case the schema must be repaired by hand and the version forced.
func (m Migrator) MigrateVersion() (version uint, dirty bool, err error) {
	err = m.run(context.Background(), "version", func(mg *migrate.Migrate) error {
		version, dirty, err = mg.Version()
		if errors.Is(err, migrate.ErrNilVersion) {
			return nil
		}
		return err
	})
	return version, dirty, err
}

// LatestMigration returns the version of the newest migration in Source (0 when it holds
// none): the version MigrateUp leaves the schema at, and the one the Store's queries are written
// for. A program that does not migrate at start compares it with MigrateVersion to refuse a
// schema it does not know, rather than fail on a missing table at the first request.
func (m Migrator) LatestMigration() (uint, error) {
	src, err := iofs.New(m.Source, ".")
	if err != nil {
		return 0, fmt.Errorf("reading the %s migrations: %w", m.Name, err)
	}
	defer func() { _ = src.Close() }()
	v, err := src.First()
	for err == nil {
		var next uint
		if next, err = src.Next(v); err == nil {
			v = next
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("reading the %s migrations: %w", m.Name, err)
	}
	return v, nil
}

// run opens a migration instance, runs fn on it and closes it. Cancelling ctx stops the run
// after the migration in progress.
func (m Migrator) run(ctx context.Context, what string, fn func(*migrate.Migrate) error) (err error) {
	src, err := iofs.New(m.Source, ".")
	if err != nil {
		return fmt.Errorf("reading the %s migrations: %w", m.Name, err)
	}
	drv, err := m.Driver(ctx)
	if err != nil {
		_ = src.Close()
		return fmt.Errorf("migrate %s: connecting to the %s database: %w", what, m.Name, err)
	}
	mg, err := migrate.NewWithInstance("iofs", src, m.Name, drv)
	if err != nil {
		_ = src.Close()
		_ = drv.Close()
		return fmt.Errorf("migrate %s: preparing the %s migrations: %w", what, m.Name, err)
	}
	defer func() {
		srcErr, dbErr := mg.Close()
		if err == nil && dbErr != nil {
			err = fmt.Errorf("migrate %s: closing the %s database: %w", what, m.Name, dbErr)
		}
		_ = srcErr
	}()
	stop := context.AfterFunc(ctx, func() {
		select {
		case mg.GracefulStop <- true:
		default:
		}
	})
	defer stop()

	err = fn(mg)
	var dirty migrate.ErrDirty
	switch {
	case err == nil, errors.Is(err, migrate.ErrNoChange):
		return nil
	case errors.As(err, &dirty):
		return fmt.Errorf("migrate %s: the %s database is dirty at version %d: a migration failed halfway; "+
			"repair the schema by hand, then force the version with golang-migrate's force command: %w",
			what, m.Name, dirty.Version, err)
	}
	return fmt.Errorf("migrate %s: %s database: %w", what, m.Name, err)
}
