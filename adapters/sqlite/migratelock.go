package sqlite

import (
	"context"
	"path/filepath"
	"sync"
)

// migrationLocks serialises the migrations of the Stores of one process that open the same
// file: golang-migrate's SQLite driver locks only its own instance, so two Stores migrating one
// file at once would both apply the first pending migration. Processes are not covered: run
// `epiccrm migrate up` before starting several on one file.
var migrationLocks sync.Map // absolute path -> *sync.Mutex

// lockMigrations takes the migration lock of the Store's file and returns its release.
func (s *Store) lockMigrations() func() {
	key := s.path
	if abs, err := filepath.Abs(s.path); err == nil {
		key = abs
	}
	mu, _ := migrationLocks.LoadOrStore(key, &sync.Mutex{})
	m := mu.(*sync.Mutex)
	m.Lock()
	return m.Unlock
}

// MigrateUp applies every migration not yet applied (see sqlstore.Migrator.MigrateUp), one Store
// of this process at a time per database file.
func (s *Store) MigrateUp(ctx context.Context) error {
	defer s.lockMigrations()()
	return s.Migrator.MigrateUp(ctx)
}

// MigrateDown reverts every applied migration (see sqlstore.Migrator.MigrateDown), one Store of
// this process at a time per database file.
func (s *Store) MigrateDown(ctx context.Context) error {
	defer s.lockMigrations()()
	return s.Migrator.MigrateDown(ctx)
}
