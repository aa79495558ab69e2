// Package sqlitetest gives tests a fresh, migrated SQLite store of their own.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/epicevents/epiccrm/adapters/sqlite"
)

// New returns a fresh SQLite store with the schema migrated, in a file under tb.TempDir(). It is
// closed when the test ends. It fails the test if the store cannot be opened or migrated.
func New(tb testing.TB) *sqlite.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "epiccrm.db"))
	if err != nil {
		tb.Fatalf("sqlitetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("sqlitetest: closing the store: %v", err)
		}
	})
	if err := s.MigrateUp(ctx); err != nil {
		tb.Fatalf("sqlitetest: %v", err)
	}
	return s
}
