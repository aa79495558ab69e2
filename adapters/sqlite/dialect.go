package sqlite

import (
	"errors"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is the SQLite dialect of the shared store: ? placeholders, no row locks (write
// transactions begin IMMEDIATE), times as fixed-width UTC text.
var Dialect = sqlstore.Dialect{
	Name:        "SQLite",
	TextTimes:   true,
	FTS5:        true,
	SupportEach: true,
	Classify:    classify,
}

// classify tells the kind of a driver error by its SQLite (extended) result code.
func classify(err error) sqlstore.ErrorKind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.KindOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.KindUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		// SQLite enforces ON DELETE RESTRICT with an internal trigger, so deleting a referenced
		// row fails with SQLITE_CONSTRAINT_TRIGGER; the schema has no triggers of its own.
		return sqlstore.KindForeignKey
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return sqlstore.KindUnavailable
	}
	return sqlstore.KindOther
}
