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
	Name:            "SQLite",
	TextTimes:       true,
	FTS5:            true,
	SearchWindow:    searchWindow,
	WalkRelatedFrom: walkRelatedFrom,
	SupportEach:     true,
	Classify:        classify,
}

// searchWindow is how many ids a search sorted by id that no FTS5 table drives, such as the
// contracts searched by their client, reads in id order, checking each record's client, before
// it gathers the matches past them (sqlstore.Dialect.SearchWindow, WalkRelatedFrom).
const searchWindow = 10_000

// walkRelatedFrom is how many matches in the FTS5 index of a search by another table's records
// give that search a window (sqlstore.Dialect.WalkRelatedFrom). With fewer, the list of those
// records, which the IN of the search builds in full, costs at most a few milliseconds (4-5 us
// a record at 1M), less than walking a window whose records hold no match (0.9 us a record, 9
// ms for the 10,000 contracts of a window). With more, the window: the records of a common
// word's list cost 35 ms (the 10,000 clients holding "brasserie", for the contracts of
// management) to 290 ms (for those of a support user), where its window took 2-7 ms
// (docs/performance.md, "SQLite: the contracts searched by client").
const walkRelatedFrom = 1000

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
