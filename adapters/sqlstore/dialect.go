package sqlstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// ErrorKind is what a driver error means to the Store, told from the driver's typed error code.
type ErrorKind int

// The kinds of driver errors the Store treats specially; everything else is KindOther.
const (
	// KindOther is any other failure: it becomes an EINTERNAL error.
	KindOther ErrorKind = iota
	// KindUnique is a unique constraint violation: it becomes ECONFLICT.
	KindUnique
	// KindForeignKey is a foreign key violation, e.g. deleting a row that others still refer
	// to: it becomes ECONFLICT.
	KindForeignKey
	// KindUnavailable is a failure to reach the database (connection refused or lost, timeout,
	// locked or unreadable file): it becomes EUNAVAILABLE, so that callers retry later.
	KindUnavailable
	// KindLocked is a statement that gave up waiting for a lock another transaction holds
	// (PostgreSQL lock_timeout): it becomes ECONFLICT, saying that the record is locked by
	// another operation, so that the caller tries again rather than blaming the database.
	KindLocked
	// KindBusy is a database that is up but too busy to answer in time: a statement that ran
	// into its statement timeout, or no free pooled connection within the acquire timeout. It
	// becomes EUNAVAILABLE, saying so.
	KindBusy
)

// Dialect is what differs between the SQL databases the Store runs on. Everything else (the
// queries, filters, scopes, pagination and transactions) is shared.
type Dialect struct {
	// Name names the database in messages, e.g. "SQLite" or "PostgreSQL".
	Name string
	// NumberedPlaceholders writes parameters as $1, $2, ... (PostgreSQL) instead of ? (SQLite).
	NumberedPlaceholders bool
	// RowLocks makes an update or delete lock its row as it reads it, with SELECT ... FOR NO KEY
	// UPDATE or FOR UPDATE (PostgreSQL). SQLite has
	// no row locks and needs none: its write transactions start with BEGIN IMMEDIATE, which
	// takes the database's write lock at once.
	RowLocks bool
	// TextTimes stores times as fixed-width UTC text (TimeLayout) and days as YYYY-MM-DD text
	// (SQLite), rather than as native time.Time values (PostgreSQL timestamptz and date).
	TextTimes bool
	// KeyLock, when set, is a statement that takes a lock named by its one text parameter until
	// the end of the transaction (PostgreSQL: an advisory lock). It serialises the transactions
	// that count then record under one key, such as login attempts. Without it (SQLite) every
	// write transaction is serialised anyway.
	KeyLock string
	// FTS5 searches through the FTS5 trigram tables <table>_fts that index the search text
	// (SQLite), rather than through an index that LIKE uses by itself (PostgreSQL's pg_trgm).
	FTS5 bool
	// SearchWindow, when above zero, is how many rows in id order a search sorted by id reads
	// first, before it asks the index for the rest (see list). Zero runs a search as one query.
	// With FTS5, a search that its table's FTS5 table drives (see where.driveByFTS) already
	// reads its index in id order and has no window.
	SearchWindow int64
	// WalkRelatedFrom, when above zero (SQLite), says that the window step of a search checks
	// the conditions on other tables' records (where.related) record by record for every
	// caller, and that a search by them has a window whatever the caller's scope, when the FTS5
	// index of each of their searches matches at least WalkRelatedFrom records (see
	// Store.fewRelatedMatches): SQLite builds the list of an uncorrelated IN in full for every
	// query, all 10,000 clients of a common word (35-290 ms) for each page of the contracts
	// searched by client. Zero (PostgreSQL) walks them only within one owner's records, and
	// gives a search a window only within a scope or an owner's records (see where.walked).
	// The same count decides when a support user with few records has them read rather than
	// a common word's matches (see Store.walkFew).
	WalkRelatedFrom int64
	// SearchKeys says that an index of the id of each table with table.searchKey holds the
	// table's search text and owner (PostgreSQL: the clients' primary key, migration 0018; an
	// index of the contracts, 0024), so that a search sorted by id finds its page's ids in that
	// index alone, then reads those rows (see list).
	SearchKeys bool
	// OwnerTrigrams says that the tables with searchable.ownerTrigrams have a GIN index of that
	// expression, the "<owner>:<trigram>" keys of each row's search text (PostgreSQL, migration
	// 0020): a search whose records all have one owner (where.owner) reads its words there, as
	// owner_trigrams(<owner>, <word>), and finds that owner's rows holding them without meeting
	// the owner's entries with the word's in the index.
	OwnerTrigrams bool
	// SupportEach checks a support scope record by record (where.each) when a query reads one
	// record or a few ids, and when a page's caller is assigned many records (SQLite, which
	// builds the list of an uncorrelated IN in full for every query). PostgreSQL plans both
	// forms alike, as a semi-join, and keeps the list.
	SupportEach bool
	// SupportEachFrom, when above zero, is how many events a page's caller must be assigned for
	// the page to check its support scope record by record, instead of sqrt(51 x the highest
	// id of the listed table) (see Store.supportEach).
	SupportEachFrom int64
	// FewSupportBelow, when above zero (PostgreSQL), is how many events a caller who reads a
	// table only as a support contact must be assigned for a search of it sorted by id to have a
	// window (see list). Assigned fewer (where.few), the caller's search runs as one query sorted
	// by id + 0, through the support contact index of the events, which reads their records
	// only: the window walked 10,000 events, 4 to 8 ms at 5M, for a support user assigned none.
	FewSupportBelow int64
	// Classify tells the kind of a driver error by its typed code, never by its text.
	Classify func(err error) ErrorKind
}

// TimeLayout is the text form of a time when Dialect.TextTimes is set: UTC with microseconds and
// a fixed width, so that comparing and ordering the text compares and orders the instants.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// bind rewrites the ? placeholders of query as $1, $2, ... when the dialect numbers them. The
// Store's SQL never contains a literal question mark, so every ? is a parameter.
func (d *Dialect) bind(query string) string {
	if !d.NumberedPlaceholders || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// lockToUpdate returns the clause that locks the rows of the table aliased alias for an update
// that keeps their id, or "". FOR NO KEY UPDATE still serialises the updates of a row, but does
// not block the key-share locks that foreign key checks take: inserting an event for a contract
// being updated waits for nothing, and an update cannot deadlock with the delete of a row that
// refers to it.
func (d *Dialect) lockToUpdate(alias string) string {
	if d.RowLocks {
		return " FOR NO KEY UPDATE OF " + alias
	}
	return ""
}

// lockToDelete returns the clause that locks the rows of the table aliased alias for a delete,
// or "".
func (d *Dialect) lockToDelete(alias string) string {
	if d.RowLocks {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// time returns the parameter value of a time, in UTC with microsecond precision.
func (d *Dialect) time(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.TextTimes {
		return t.Format(TimeLayout)
	}
	return t
}

// nullTime returns the parameter value of an optional time.
func (d *Dialect) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.time(*t)
}

// nullDate returns the parameter value of an optional day.
func (d *Dialect) nullDate(day *crm.Date) any {
	if day == nil {
		return nil
	}
	if d.TextTimes {
		return day.String()
	}
	return day.Time()
}

// nullID returns the parameter value of an optional id.
func nullID(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}
