// Package sqlitetest gives tests a fresh, migrated SQLite store of their own.
package sqlitetest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/epicevents/epiccrm/adapters/sqlite"
)

// New returns a fresh SQLite store with the schema migrated, in a file under tb.TempDir(). It is
// closed when the test ends. It fails the test if the store cannot be opened or migrated.
//
// The schema is migrated once per test binary, into a database that each New then copies:
// running every migration took 0.58 s a store under the race detector (0.05 s without), and a
// test binary makes hundreds of stores.
func New(tb testing.TB) *sqlite.Store {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "epiccrm.db")
	files, err := migratedFiles()
	if err != nil {
		tb.Fatalf("sqlitetest: %v", err)
	}
	for suffix, data := range files {
		if err := os.WriteFile(path+suffix, data, 0o600); err != nil {
			tb.Fatalf("sqlitetest: copying the migrated database: %v", err)
		}
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatalf("sqlitetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("sqlitetest: closing the store: %v", err)
		}
	})
	return s
}

// migrated is the migrated empty database that New copies, made once.
var migrated struct {
	once  sync.Once
	files map[string][]byte
	err   error
}

// migratedFiles returns the files of a migrated empty database, by suffix of the database's
// path ("" for the database itself, "-wal" for a write-ahead log the last close left behind).
func migratedFiles() (map[string][]byte, error) {
	migrated.once.Do(func() {
		migrated.files, migrated.err = migrate()
	})
	return migrated.files, migrated.err
}

// migrate migrates a new database in a directory of its own, closes it, and reads its files.
func migrate() (_ map[string][]byte, err error) {
	dir, err := os.MkdirTemp("", "epiccrm-sqlitetest-")
	if err != nil {
		return nil, fmt.Errorf("making the migrated database: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	ctx := context.Background()
	path := filepath.Join(dir, "epiccrm.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(s.MigrateUp(ctx), s.Close()); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(path + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the migrated database: %w", err)
		}
		files[suffix] = data
	}
	return files, nil
}
