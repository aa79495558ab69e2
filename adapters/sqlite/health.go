package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// writeHealth remembers whether the last write failed for a reason of the storage (a full disk,
// an I/O error, a file that became read-only or cannot be opened), until a write succeeds:
// readiness reports such a database as not ready, since every write would fail the same way,
// although reads still work.
type writeHealth struct {
	mu  sync.Mutex
	err error
}

// record notes the outcome of a write: a success clears the failure, a storage failure sets it,
// any other failure (a constraint, a cancelled context) leaves it as it was.
func (h *writeHealth) record(err error) {
	if err != nil && !isStorageError(err) {
		return
	}
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
}

// failure returns the storage failure of the last write, or nil.
func (h *writeHealth) failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// isStorageError reports whether err says that the database file cannot be written at all.
func isStorageError(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// probeWrite commits a write that allocates a page and frees it again (a table created and
// dropped in one transaction, never visible to anyone), to tell whether writes succeed again.
func probeWrite(ctx context.Context, w *sql.DB) (err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, "CREATE TABLE epiccrm_write_probe (x INTEGER)"); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "DROP TABLE epiccrm_write_probe"); err != nil {
		return err
	}
	return tx.Commit()
}
