package sqlstore

import (
	"slices"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// where collects the AND-ed conditions of a query and their parameters, in order: each
// condition's ? placeholders match the parameters added with it.
type where struct {
	conds []string
	args  []any
	// fts is the FTS5 condition of a search on SQLite, which a list sorted by id may turn into
	// a join driven by the FTS5 table (see ftsDriven); nil without one.
	fts *ftsCond
	// searched is set by a search or text filter, here or in a related condition: how many
	// rows such a condition matches depends on its words (see list).
	searched bool
	// scoped is set when the caller reads only part of the records, here or in a related
	// condition (see list).
	scoped bool
	// owner, when set, is the user every record these conditions match is owned by (the user
	// of the table's owner scope, such as a client's sales contact): the conditions already
	// require it, through an owner-only read scope or a filter. A search may also give it to its
	// index, to read only that user's entries (see where.search); the conditions stay the rule.
	owner *int64
	// texts are where the search text conditions (LIKE on a table's search text) sit in conds,
	// for textUnindexed.
	texts []textCond
	// each makes the support conditions of scopes (where.visible, where.related) checks of each
	// record (scope.supportEach) rather than lists of the caller's records. SQLite builds such a
	// list in full for every query, however few rows the query then reads: a second for a support
	// user with 500,000 events. Checked record by record, reading one record, a few ids, or a
	// page in id order costs a few index probes a record; a count, or a page whose caller is
	// assigned few records among many, is quicker with the list (see Store.supportEach).
	each bool
}

// ftsCond is where a search's FTS5 condition sits in a where: conds[at] is
// "<id> IN (SELECT rowid FROM <table> WHERE <table> MATCH ?)", with one parameter.
type ftsCond struct {
	sr searchable
	at int
}

// textCond is a search text condition of a where: conds[at] is "<text> LIKE ? ESCAPE '\'", or
// with ownerIndex the condition that reads a word in the index of the owner's trigrams, whose
// two parameters are args[arg] and args[arg+1].
type textCond struct {
	text       string
	at, arg    int
	ownerIndex bool
}

// textUnindexed returns a copy of w whose search text conditions no index can serve, with the
// same results: each compares the search text concatenated with an empty string, and the
// conditions on the owner's trigrams, which the LIKE conditions imply, are left out. PostgreSQL
// then cannot read them in an index, and checks them after the cheaper conditions of the row,
// such as the owner's (it orders a row's conditions by cost, and put the owner's after the
// words when both cost one operator): the first step of a windowed search (see list) walks the
// key, checking the words only on the owner's rows.
func (w *where) textUnindexed() *where {
	c := *w
	c.conds = slices.Clone(w.conds)
	c.args = slices.Clone(w.args)
	c.texts = nil
	// Backwards, so that leaving a condition out moves none of those still to be rewritten.
	for _, t := range slices.Backward(w.texts) {
		if t.ownerIndex {
			c.conds = slices.Delete(c.conds, t.at, t.at+1)
			c.args = slices.Delete(c.args, t.arg, t.arg+2)
			continue
		}
		c.conds[t.at] = "(" + t.text + " || '') LIKE ? ESCAPE '\\'"
	}
	return &c
}

// and returns a copy of w with one more condition.
func (w *where) and(cond string, args ...any) *where {
	c := *w
	c.conds = append(slices.Clip(w.conds), cond)
	c.args = append(slices.Clip(w.args), args...)
	return &c
}

// add appends a condition and its parameters.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eqID adds col = v when v is set.
func (w *where) eqID(col string, v *int64) {
	if v != nil {
		w.add(col+" = ?", *v)
	}
}

// eqText adds col = v when v is not empty.
func (w *where) eqText(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// escapeLike escapes the LIKE wildcards of s with the backslash named in the ESCAPE clause.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }

// day adds "col falls on day d (UTC)" as the half-open range [d, d+1), which an index on col
// can serve.
func (w *where) day(d *Dialect, col string, day *crm.Date) {
	if day == nil {
		return
	}
	start := day.Time()
	end := start.Add(24 * time.Hour)
	w.between(d, col, &start, &end)
}

// between adds the half-open range from <= col < to, each bound only when it is set.
func (w *where) between(d *Dialect, col string, from, to *time.Time) {
	if from != nil {
		w.add(col+" >= ?", d.time(*from))
	}
	if to != nil {
		w.add(col+" < ?", d.time(*to))
	}
}

// sql returns the WHERE clause, or "" when there is no condition.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
