package sqlstore

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/crm"
)

// Search (the q parameter and the text filters) compares folded text (crm.FoldSearch) that the
// Store writes beside each row, in the same statement: the folded form of every field a text
// filter reads (first_name_fold, ...) and the row's search text (search_text, crm.SearchText of
// its searched fields). A search word or a filter value is folded the same way and must be
// contained in the search text, and a filter value also in its field's folded column, with LIKE
// '%...%' and its wildcards escaped. Both sides are folded, so LIKE compares the same on both
// databases (whatever their collation or the case rules of their lower()).
//
// The search text is indexed for "contains": on PostgreSQL by a pg_trgm GIN index, which LIKE
// '%word%' uses directly; on SQLite by an FTS5 table with the trigram tokenizer (<table>_fts,
// kept by triggers), which the Store queries with MATCH for every word of three characters or
// more (trigrams need three). A trigram phrase matches exactly the texts that contain it, so on
// SQLite a word of up to six characters has no other condition on the search text besides its
// MATCH. A longer word is given to FTS5 in pieces of six characters (ftsChunks), and checked
// whole with instr() on the search text of the rows FTS5 returns. Not with LIKE: a LIKE on a
// bound pattern makes SQLite prepare the whole statement a second time once the pattern is
// bound (to consider its prefix for an index). Words of one or two characters are matched by
// LIKE alone, which scans the rows the other conditions leave, so a search of only one- or
// two-character words reads the whole table.
//
// The clients' search index also holds each client's sales contact (migration 0019), so that a
// search within one salesperson's clients meets the words and the owner inside the index: on
// PostgreSQL the GIN index has the column (btree_gin) and uses the query's condition on it; on
// SQLite the MATCH names the owner's key (ownerKey) when where.owner is known.

// searchable is how a search reads on one table.
type searchable struct {
	// text is the search text column, on the table's alias.
	text string
	// id is the id column, on the table's alias; the FTS5 table's rowid is the row's id.
	id string
	// fts is the FTS5 table indexing the search text (SQLite).
	fts string
	// owner is the FTS5 table's column holding the owner's key (ownerKey of the user of the
	// table's owner scope), "" if it has none. Its search text is then the column search_text.
	owner string
}

// The searchable tables.
var (
	clientSearch = searchable{text: "c.search_text", id: "c.id", fts: "clients_fts", owner: "owner"}
	userSearch   = searchable{text: "u.search_text", id: "u.id", fts: "users_fts"}
	eventSearch  = searchable{text: "e.search_text", id: "e.id", fts: "events_fts"}
)

// fieldFilter is a text filter on one field: value must be contained in the folded column col.
type fieldFilter struct {
	col, value string
}

// search adds the conditions of a search q (every word of q is contained in the search text of
// sr) and of the text filters (each value is contained in its folded field). A q or a value
// that folds to nothing adds no condition.
func (w *where) search(d *Dialect, sr searchable, q string, filters ...fieldFilter) {
	needles := crm.SearchWords(q)
	for _, f := range filters {
		v := crm.FoldSearch(f.value)
		if v == "" {
			continue
		}
		w.add(f.col+" LIKE ? ESCAPE '\\'", "%"+escapeLike(v)+"%")
		needles = append(needles, v)
	}
	if len(needles) == 0 {
		return
	}
	w.searched = true
	var phrases []string
	for _, n := range needles {
		if d.FTS5 && utf8.RuneCountInString(n) >= 3 {
			chunks := ftsChunks(n)
			for _, c := range chunks {
				phrases = append(phrases, `"`+strings.ReplaceAll(c, `"`, `""`)+`"`)
			}
			if len(chunks) > 1 {
				w.add("instr("+sr.text+", ?) > 0", n)
			}
			continue
		}
		w.texts = append(w.texts, textCond{text: sr.text, at: len(w.conds)})
		w.add(sr.text+" LIKE ? ESCAPE '\\'", "%"+escapeLike(n)+"%")
	}
	if d.FTS5 && len(phrases) > 0 {
		match := strings.Join(phrases, " ")
		if sr.owner != "" {
			match = "search_text : (" + match + ")"
			if w.owner != nil {
				match += " AND " + sr.owner + ` : "` + ownerKey(*w.owner) + `"`
			}
		}
		w.fts = &ftsCond{sr: sr, at: len(w.conds)}
		w.add(sr.id+" IN (SELECT rowid FROM "+sr.fts+" WHERE "+sr.fts+" MATCH ?)", match)
	}
}

// ftsChunk is the longest phrase, in characters, that a search gives FTS5: four trigrams. FTS5
// checks a longer phrase's positions with an array it allocates for each row it checks, and
// SQLite's allocator (modernc's) is one lock for the whole process: a common long word checked
// on thousands of rows by several connections at once spent 40 % of the CPU waiting on it.
const ftsChunk = 6

// ftsChunks splits a word of three characters or more into the phrases a search gives FTS5 for
// it: the word itself when it has at most ftsChunk characters, else overlapping pieces of
// ftsChunk characters (the last one ending with the word) that hold every trigram of the word.
// Every text containing the word contains each piece, but not every text containing the pieces
// contains the word: the word is then also checked on the search text (search).
func ftsChunks(word string) []string {
	r := []rune(word)
	if len(r) <= ftsChunk {
		return []string{word}
	}
	var out []string
	for at := 0; at+ftsChunk < len(r); at += ftsChunk - 2 {
		out = append(out, string(r[at:at+ftsChunk]))
	}
	return append(out, string(r[len(r)-ftsChunk:]))
}

// ownerKey is the key of an owner in an FTS5 table's owner column (SQLite, migration 0019):
// three characters of the Private Use Area, so one trigram, whose entries in the index are the
// rows of that owner. A search within one owner's records matches it with its words, and FTS5
// meets both in its index, rather than reading every row of the words to check their owner:
// 5 ms instead of 47 for a word in 10,000 clients of which the owner has none. Ids past
// 4096^3 share keys; the owner condition of the query stays, so a shared key costs time,
// never a wrong row. The migration's triggers and the SQLite bulk load write the same key in
// SQL (OwnerKeySQL).
func ownerKey(id int64) string {
	const base, span = 0xE000, 4096
	return string([]rune{rune(base + id%span), rune(base + id/span%span), rune(base + id/(span*span)%span)})
}

// OwnerKeySQL is the SQL (SQLite) of ownerKey of the user id in the column col, NULL when col is
// NULL: what the SQLite bulk load writes in the owner column, as the triggers of migration 0019
// do.
func OwnerKeySQL(col string) string {
	return "CASE WHEN " + col + " IS NOT NULL THEN char(57344 + " + col + " % 4096, 57344 + " + col +
		" / 4096 % 4096, 57344 + " + col + " / 16777216 % 4096) END"
}

// clientFolds returns the values of the folded columns of a client, in the order first_name_fold,
// last_name_fold, email_fold, company_fold, search_text.
func clientFolds(c *crm.Client) []any {
	return folds(true, c.FirstName, c.LastName, c.Email, c.Company)
}

// userFolds returns the values of the folded columns of a user, in the order username_fold,
// email_fold, first_name_fold, last_name_fold, search_text.
func userFolds(u *crm.User) []any {
	return folds(true, u.Username, u.Email, u.FirstName, u.LastName)
}

// eventSearchText returns the search text of an event: its name and location.
func eventSearchText(e *crm.Event) string { return crm.SearchText(e.Name, e.Location) }

// folds returns the folded form of each field when perField is set, then their search text.
func folds(perField bool, fields ...string) []any {
	var out []any
	if perField {
		for _, f := range fields {
			out = append(out, crm.FoldSearch(f))
		}
	}
	return append(out, crm.SearchText(fields...))
}

// refoldBatch is how many rows RefoldSearch writes per transaction.
const refoldBatch = 500

// refolds are the tables whose folded columns RefoldSearch fills in: the fields read, and the
// folded columns written (one per field when perField is set, then search_text).
var refolds = []struct {
	table    string
	fields   []string
	folded   []string
	perField bool
}{
	{"clients", []string{"first_name", "last_name", "email", "company"},
		[]string{"first_name_fold", "last_name_fold", "email_fold", "company_fold", "search_text"}, true},
	{"users", []string{"username", "email", "first_name", "last_name"},
		[]string{"username_fold", "email_fold", "first_name_fold", "last_name_fold", "search_text"}, true},
	{"events", []string{"name", "location"}, []string{"search_text"}, false},
}

// RefoldSearch fills in the folded search columns of the rows that have none (search_text IS
// NULL): the rows written before the search migration, which SQL cannot fold. The stores run it
// after migrating up; it is idempotent, and finds nothing to do in a partial index once every
// row is folded. It returns how many rows it folded.
func (s *Store) RefoldSearch(ctx context.Context) (int, error) {
	total := 0
	for _, r := range refolds {
		sets := make([]string, len(r.folded))
		for i, c := range r.folded {
			sets[i] = c + " = ?"
		}
		update := "UPDATE " + r.table + " SET " + strings.Join(sets, ", ") + " WHERE id = ?"
		sel := "SELECT id, " + strings.Join(r.fields, ", ") + " FROM " + r.table +
			" WHERE search_text IS NULL ORDER BY id LIMIT ?"
		for {
			n := 0
			err := s.inTx(ctx, func(tx Tx) error {
				type row struct {
					id     int64
					fields []string
				}
				rows, err := s.query(ctx, tx, sel, refoldBatch)
				if err != nil {
					return s.fail(err, nil)
				}
				var batch []row
				for rows.Next() {
					rw := row{fields: make([]string, len(r.fields))}
					dest := []any{&rw.id}
					for i := range rw.fields {
						dest = append(dest, &rw.fields[i])
					}
					if err := rows.Scan(dest...); err != nil {
						rows.Close()
						return s.fail(err, nil)
					}
					batch = append(batch, rw)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return s.fail(err, nil)
				}
				for _, rw := range batch {
					args := append(folds(r.perField, rw.fields...), rw.id)
					if _, err := s.exec(ctx, tx, update, args...); err != nil {
						return s.fail(err, nil)
					}
				}
				n = len(batch)
				return nil
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < refoldBatch {
				break
			}
		}
	}
	return total, nil
}

// driveByFTS turns the FTS5 condition of w's search on table t, if any, into a join driven by the
// FTS5 table, for a list sorted by id: FTS5 returns its matches in rowid order (either way) and
// CROSS JOIN keeps it the outer loop, so a LIMIT stops after the first matches instead of
// reading all of them and sorting. The FTS5 condition becomes the join's (same single
// parameter, same place); the other conditions are unchanged. It returns the FROM part and the
// column to order by and page on: t's own without an FTS5 condition.
func (w *where) driveByFTS(t table) (from, id string) {
	if w.fts == nil || w.fts.sr.id != t.id {
		return t.from, t.id
	}
	fts := w.fts.sr.fts
	w.conds[w.fts.at] = t.id + " = " + fts + ".rowid AND " + fts + " MATCH ?"
	w.fts = nil
	return fts + " CROSS JOIN " + t.from, fts + ".rowid"
}
