package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// keyKind is the type of a sort key, which tells how its cursor value is written and read.
type keyKind int

const (
	kindInt   keyKind = iota // a 64-bit integer (bigint)
	kindInt32                // a 32-bit integer (integer in PostgreSQL)
	kindText
	kindTime
)

// sortKey is one sortable field of a resource: its column and how to read its value from a row.
type sortKey[T any] struct {
	col  string
	kind keyKind
	// value returns the row's value of the key, as cursor text; nil for the id itself.
	value func(T) string
}

// listing is everything a paginated list query, or the count of a list, needs for resource T.
type listing[T any] struct {
	// table is the listed resource's table: its FROM part (a list and its count share it) and
	// its id column, the tie-breaker of every order.
	table table
	// cols are the selected columns, which scan reads.
	cols string
	// keys are the sort keys, each a column of table.from: a sort on another resource's field
	// would need a condition through where.related, which a sort key cannot carry.
	keys map[string]sortKey[T]
	id   func(T) int64
	scan func(Row) (T, error)
}

// cursor is the decoded form of a next_cursor: the sort it was made for, and the sort value and
// id of the last row of the page it ends.
type cursor struct {
	Sort  string `json:"s"`
	Value string `json:"v,omitempty"`
	ID    int64  `json:"id"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// badCursor is the error of a cursor that cannot be used, saying why.
func badCursor(why crm.Text) error {
	e := crm.Errorf(crm.EMALFORMED, "invalid cursor: %s", why)
	e.Fields = []crm.FieldError{{Field: "cursor", Code: crm.FieldInvalidCursor, Message: "use the next_cursor of the previous page, with the same sort, or none for the first page"}}
	return e
}

// list runs a keyset-paginated query: the rows of l.table matching w, ordered by the sort of opts
// and then by id, starting after opts.Cursor. It fetches one row more than the page to learn
// whether another page follows, and returns "" as the next cursor on the last page.
//
// A search sorted by id within a scope (a caller who reads only some of the records), or
// within one owner's records (a filter on the owner), runs in two steps where the dialect has a
// SearchWindow. The database estimates how many rows match the words and how many the scope or
// the owner holds, but not how the two overlap, so no one plan it picks is quick for every
// caller: walking the ids until the page is full is quick when the caller's matches are dense,
// and reads the whole table when the caller owns none of a common word's matches; fetching
// every match through the index and sorting them is quick when they are few, and slow when the
// caller owns thousands. So the first query reads the next SearchWindow ids only (whatever
// plan the database picks, it reads no more), and only if they hold less than a page does a
// last query fetch the matches past them, sorted (ORDER BY id + 0 keeps it from walking the
// ids): few, since the window held less than a page of them, unless the scope holds none. In
// between, when the window held part of a page, up to three windows more are read at its rate.
// Without a scope or an owner there is no overlap to misjudge, and the statistics of the
// search text (migration 0017) tell a common word from a rare one: one query, as the database
// plans it.
func list[T any](ctx context.Context, s *Store, l listing[T], w *where, opts crm.ListOptions) ([]T, string, error) {
	sortName := opts.Sort
	if sortName == "" {
		sortName = "id"
	}
	field, desc := strings.CutPrefix(sortName, "-")
	key, ok := l.keys[field]
	if !ok {
		return nil, "", crm.Errorf(crm.EMALFORMED, "cannot sort by %q", field)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = crm.DefaultLimit
	}
	limit = min(limit, crm.MaxLimit)
	cmp, dir := ">", "ASC"
	if desc {
		cmp, dir = "<", "DESC"
	}
	from, id := l.table.from, l.table.id
	walkFew, err := s.walkFew(ctx, w)
	if err != nil {
		return nil, "", err
	}
	if walkFew {
		w = w.walked(true)
	} else if key.value == nil {
		from, id = w.driveByFTS(l.table)
	}

	var after *int64 // the cursor's id, in a list sorted by id
	if opts.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(opts.Cursor)
		if err != nil {
			return nil, "", badCursor(crm.Textf("it is not one this server issued"))
		}
		var c cursor
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, "", badCursor(crm.Textf("it is not one this server issued"))
		}
		if c.Sort != sortName {
			return nil, "", badCursor(crm.Textf("it was issued for another sort order"))
		}
		if key.value == nil {
			w.add(id+" "+cmp+" ?", c.ID)
			after = &c.ID
		} else {
			v, err := s.cursorValue(key.kind, c.Value)
			if err != nil {
				return nil, "", badCursor(crm.Textf("it is not one this server issued"))
			}
			w.add("("+key.col+", "+l.table.id+") "+cmp+" (?, ?)", v, c.ID)
		}
	}

	order := " ORDER BY " + id + " " + dir
	if key.value != nil {
		order = " ORDER BY " + key.col + " " + dir + ", " + l.table.id + " " + dir
	}
	// A search of a support user assigned few events (Dialect.FewSupportBelow) has no window:
	// sorted by id + 0, so that the database cannot walk the ids, it reads the caller's records
	// through the support contact index of the events.
	fewSupport := w.few && w.searched && s.d.FewSupportBelow > 0 && key.value == nil
	if fewSupport {
		order = " ORDER BY " + id + " + 0 " + dir
	}
	// A search sorted by id on a table whose key holds the search text reads its page's ids from
	// the key first, then the rows of the page: the rows the search passes over are read in the
	// key's index only (an index-only scan), not in the table, whose rows are several times
	// wider (docs/performance.md, "PostgreSQL: a search reads the key first").
	byKey := s.d.SearchKeys && l.table.searchKey && w.searched && key.value == nil
	fetch := func(out []T, w *where, order string, n int) ([]T, error) {
		args := append(slices.Clip(w.args), n)
		query := "SELECT " + l.cols + " FROM " + from + w.sql() + order + " LIMIT ?"
		if byKey {
			query = "SELECT " + l.cols + " FROM " + from + " WHERE " + id + " IN (SELECT " + id + " FROM " + from +
				w.sql() + order + " LIMIT ?) ORDER BY " + id + " " + dir
		}
		rows, err := s.query(ctx, s.db, query, args...)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		defer rows.Close()
		for rows.Next() {
			x, err := l.scan(rows)
			if err != nil {
				return nil, s.fail(err, nil)
			}
			out = append(out, x)
		}
		if err := rows.Err(); err != nil {
			return nil, s.fail(err, nil)
		}
		return out, nil
	}
	out := make([]T, 0, min(limit+1, 64))
	// A search that its table's FTS5 table drives (from is then that join) reads its index in
	// id order already, and one that reads the caller's few records reads only those: neither
	// has a window.
	bound, windowed, err := s.searchWindow(ctx, l.table, w, key.value == nil && from == l.table.from && !walkFew && !fewSupport, after, desc)
	if err != nil {
		return nil, "", err
	}
	if windowed {
		// The window is the ids up to the bound (from it, in descending order); the rest is
		// past it.
		upTo, past := "<=", ">"
		if desc {
			upTo, past = ">=", "<"
		}
		// The window is walked in id order, checking the words on the rows the scope leaves,
		// rather than read through the indexes of the words, when it holds one owner's records
		// or its table's key does not hold the search text: at most SearchWindow rows, whatever
		// the word. In a key that holds the owner and the search text, at 1M, a common word's
		// window took 0.4-0.7 ms so, against 1.1-1.3 ms for PostgreSQL's own walk checking the
		// words first; a rare word's 0.6 ms, against 0.1 ms through the trigram index
		// (docs/performance.md, "PostgreSQL: the window of one owner's search"). Among 5M
		// events, a common word's window for a support user took 5-10 ms so, against 30 ms
		// for the trigram index's matches met with the window ("One salesperson's events").
		walk := w
		if w.owner != nil || !byKey {
			walk = w.walked(w.owner != nil || s.d.WalkRelatedFrom > 0)
		}
		if w.owner != nil && l.table.ownerKey != "" && s.d.OwnerTrigrams {
			// Only the owner's rows of the window: 0 to 2 ms among 5M events, against 10 ms
			// walking all of the window's events ("One salesperson's events").
			walk = walk.and(l.table.ownerKey+" = ?", *w.owner)
		}
		first := walk.and(id+" "+upTo+" ?", bound)
		if after == nil {
			// The first page's window also names its other end, the lowest id there can be
			// (the highest, in descending order), as the cursor does on the next pages. It
			// selects nothing more, but with both ends as parameters PostgreSQL estimates the
			// window as a narrow range in the plan it keeps for the statement (its generic
			// plan, tried after five runs) rather than as a third of the table, so that it
			// keeps that plan, which walks the window, instead of planning every search again
			// (0.6 ms at 1M for a support user's, about as long as running it; see
			// docs/performance.md, "A plan kept for the window").
			fromEnd, end := ">=", int64(math.MinInt64)
			if desc {
				fromEnd, end = "<=", math.MaxInt64
			}
			first = first.and(id+" "+fromEnd+" ?", end)
		}
		out, err = fetch(out, first, order, limit+1)
		if found := int64(len(out)); err == nil && found > 0 && found <= int64(limit) {
			// The window held part of the page: at that rate, the rest lies within the next
			// (limit + 1 - found) / found windows. Up to three windows more, half as many
			// again are walked: quicker than gathering every match past the window when
			// there are many, as there are when the window held many (pia's events of the
			// clients named Sophie on SQLite: 35 in the window, then 385 ms for the rest
			// through the index, 9 ms walking; docs/performance.md, "SQLite: the contracts
			// searched by client").
			span := s.d.SearchWindow * (int64(limit) + 1 - found) * 3 / (2 * found)
			if span > 0 && span <= 3*s.d.SearchWindow {
				next := bound + span
				if desc {
					next = bound - span
				}
				out, err = fetch(out, walk.and(id+" "+past+" ?", bound).and(id+" "+upTo+" ?", next), order, limit+1-len(out))
				bound = next
			}
		}
		if err == nil && len(out) <= limit {
			out, err = fetch(out, w.and(id+" "+past+" ?", bound), " ORDER BY "+id+" + 0 "+dir, limit+1-len(out))
		}
	} else {
		out, err = fetch(out, w, order, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	c := cursor{Sort: sortName, ID: l.id(last)}
	if key.value != nil {
		c.Value = key.value(last)
	}
	return out, encodeCursor(c), nil
}

// searchWindow returns the bound of the first step of a search sorted by id (see list): the id
// SearchWindow past the cursor (after), or past the first id of t's own table for the first
// page, in the list's order, so that the window holds at most SearchWindow rows. It reports
// false when the list is not such a search, the dialect has no window, or the table is empty.
func (s *Store) searchWindow(ctx context.Context, t table, w *where, byID bool, after *int64, desc bool) (int64, bool, error) {
	if !byID || !w.searched || !(w.scoped || w.owner != nil || s.d.WalkRelatedFrom > 0) || s.d.SearchWindow <= 0 {
		return 0, false, nil
	}
	if few, err := s.fewRelatedMatches(ctx, w); err != nil || few {
		return 0, false, err
	}
	step := s.d.SearchWindow
	if desc {
		step = -step
	}
	if after != nil {
		return *after + step, true, nil
	}
	first, ok, err := s.tableEnd(ctx, t, desc)
	if err != nil || !ok {
		return 0, false, err
	}
	// The window starts at the first id itself.
	if desc {
		return first + step + 1, true, nil
	}
	return first + step - 1, true, nil
}

// fewRelatedMatches reports whether, on a dialect with WalkRelatedFrom, one of the FTS5
// conditions of w's searches by other tables' records matches fewer than WalkRelatedFrom
// records of its index: the search then reads the list of those records, with no window.
func (s *Store) fewRelatedMatches(ctx context.Context, w *where) (bool, error) {
	most := s.d.WalkRelatedFrom
	if most <= 0 {
		return false, nil
	}
	for _, f := range w.relatedFTS {
		if many, err := s.manyMatches(ctx, f, most); err != nil || !many {
			return err == nil, err
		}
	}
	return false, nil
}

// matchKey is the key of an answer of manyMatches: an FTS5 table, a MATCH expression and the
// count that makes many.
type matchKey struct {
	fts, match string
	most       int64
}

// manyMatches reports whether the FTS5 condition f matches at least most records of its index.
// It counts them, up to most, in the index alone: 0.5 ms for 1,000 matches of a word given to
// FTS5 in two pieces, at 1M, about as long as the page of a search that reads few records. So
// the answer is kept for choiceTTL, by index and expression (a new word of an index is counted
// once, and the count only picks how the search runs; docs/performance.md, "SQLite: a search
// word's matches counted once").
func (s *Store) manyMatches(ctx context.Context, f ftsCond, most int64) (bool, error) {
	key := matchKey{fts: f.sr.fts, match: f.match, most: most}
	now := time.Now()
	if many, ok := s.matches.get(key, now); ok {
		return many, nil
	}
	var n int64
	query := "SELECT count(*) FROM (SELECT 1 FROM " + f.sr.fts + " WHERE " + f.sr.fts + " MATCH ? LIMIT ?)"
	if err := s.queryRow(ctx, s.db, query, f.match, most).Scan(&n); err != nil {
		return false, s.fail(err, nil)
	}
	s.matches.put(key, n >= most, now)
	return n >= most, nil
}

// walkFew reports whether a list of w reads the caller's records, the words checked on each
// (w.walked), rather than its FTS5 index: when the caller's records are few (w.few) and the
// listed table's FTS5 condition matches at least WalkRelatedFrom records. FTS5 would drive
// the query through those matches, few or none of them the caller's: a support user assigned
// no event took 140 ms to search the events for a common word (50,000 matches), and 22 ms the
// clients (docs/performance.md, "SQLite: a support user with few events"). A rarer word keeps
// the index, whose matches are fewer than the caller's records may be (up to sqrt(51 x ids)).
func (s *Store) walkFew(ctx context.Context, w *where) (bool, error) {
	most := s.d.WalkRelatedFrom
	if !w.few || w.fts == nil || most <= 0 {
		return false, nil
	}
	return s.manyMatches(ctx, *w.fts, most)
}

// tableEnd returns the lowest id of t's own table, or the highest when last, and false when the
// table is empty. It reads them at most once per choiceTTL: they only place the bound of a
// search window, which splits a page's query in two without changing which rows it finds (the
// first step reads the ids up to the bound, the second those past it). A stale end only moves
// the bound: a window that holds fewer rows than it could, after the first rows are deleted,
// or more, after rows are added at the end in a list in descending order (at most those added
// within choiceTTL). It saves a query on every first page of a scoped search.
func (s *Store) tableEnd(ctx context.Context, t table, last bool) (int64, bool, error) {
	end := "min"
	if last {
		end = "max"
	}
	query := "SELECT " + end + "(" + t.id + ") FROM " + t.own()
	now := time.Now()
	if id, ok := s.ends.get(query, now); ok {
		return id, true, nil
	}
	var id *int64
	if err := s.queryRow(ctx, s.db, query).Scan(&id); err != nil {
		return 0, false, s.fail(err, nil)
	}
	if id == nil {
		return 0, false, nil
	}
	s.ends.put(query, *id, now)
	return *id, true, nil
}

// cursorValue checks the text of a cursor value against the kind and range of its sort key,
// and turns it into a query parameter. Only the text this server writes is accepted: a
// canonical integer within the column's range, clean single-line text, or a time in TimeLayout.
// Anything else would reach the database as a value it refuses (a 500 instead of a 400).
func (s *Store) cursorValue(kind keyKind, v string) (any, error) {
	switch kind {
	case kindInt, kindInt32:
		bits := 64
		if kind == kindInt32 {
			bits = 32
		}
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil || intKey(n) != v {
			return nil, fmt.Errorf("%q is not a %d-bit integer", v, bits)
		}
		return n, nil
	case kindTime:
		t, err := time.Parse(TimeLayout, v)
		if err != nil || timeKey(t) != v {
			return nil, fmt.Errorf("%q is not a time in the form %s", v, TimeLayout)
		}
		return s.d.time(t), nil
	}
	if !crm.CleanText(v) {
		return nil, fmt.Errorf("%q is not valid text without control characters", v)
	}
	return v, nil
}

// Cursor text of sort values.

func intKey(v int64) string { return strconv.FormatInt(v, 10) }

func timeKey(t time.Time) string { return t.UTC().Format(TimeLayout) }
