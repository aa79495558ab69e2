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
	// walks are the conditions that the first step of a windowed search writes so that no
	// index serves them (see walked).
	walks []walkCond
	// relatedFTS are the FTS5 conditions of the searches of its conditions on other tables'
	// records (where.related; SQLite): how many records they match tells whether a search by
	// them has a window (see Store.fewRelatedMatches).
	relatedFTS []ftsCond
	// each makes the support conditions of scopes (where.visible, where.related) checks of each
	// record (scope.supportEach) rather than lists of the caller's records. SQLite builds such a
	// list in full for every query, however few rows the query then reads: a second for a support
	// user with 500,000 events. Checked record by record, reading one record, a few ids, or a
	// page in id order costs a few index probes a record; a count, or a page whose caller is
	// assigned few records among many, is quicker with the list (see Store.supportEach).
	each bool
	// few is set when the caller reads the listed table only as a support contact assigned
	// few events (Store.supportEach), so that their records are few: a search that its FTS5
	// table would drive through a common word's matches, few or none of them the caller's,
	// reads the caller's records instead, checking the words on each (see Store.walkFew).
	few bool
}

// ftsCond is where a search's FTS5 condition sits in a where: conds[at] is
// "<id> IN (SELECT rowid FROM <table> WHERE <table> MATCH ?)", with the one parameter match.
type ftsCond struct {
	sr    searchable
	at    int
	match string
}

// walkCond is a condition of a where as walked writes it: conds[at], whose parameters are
// args[arg:arg+n], becomes cond with the parameters args, or is left out (with its parameters)
// when cond is "". related marks a condition on another table's records (where.related).
type walkCond struct {
	at, arg, n int
	cond       string
	args       []any
	related    bool
}

// walked returns a copy of w whose search conditions no index can serve, with the same
// results: each LIKE on a search text compares the text concatenated with an empty string,
// the conditions on the owner's trigrams, which the LIKE conditions imply, are left out, and
// an FTS5 condition (SQLite) becomes instr() checks of its words on the search text;
// with related, so are those of the conditions on other tables' records (where.related),
// which PostgreSQL then checks record by record through the other table's key rather than
// gathering all of that table's matches first. PostgreSQL checks such conditions after the
// cheaper conditions of the row, such as the owner's (it orders a row's conditions by cost):
// the first step of a windowed search (see list) walks its window in id order, checking the
// words only on the rows the scope leaves. On PostgreSQL, related conditions are walked only
// within one owner's records (on SQLite, always: Dialect.WalkRelatedFrom), whose rows of a window
// are few (a tenth of it for a salesperson of ten);
// a support user's may be most of it (5,000 of a window of 10,000 events), each then probing
// its client, which was not measured against reading the clients' index (16-19 ms for pia's
// contracts; docs/performance.md, "One salesperson's events").
func (w *where) walked(related bool) *where {
	c := *w
	c.conds = slices.Clone(w.conds)
	c.args = slices.Clone(w.args)
	c.walks = nil
	// Backwards, so that rewriting a condition moves none of those still to be rewritten.
	for _, k := range slices.Backward(w.walks) {
		if k.related && !related {
			continue
		}
		if k.cond == "" {
			c.conds = slices.Delete(c.conds, k.at, k.at+1)
		} else {
			c.conds[k.at] = k.cond
		}
		c.args = slices.Replace(c.args, k.arg, k.arg+k.n, k.args...)
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
