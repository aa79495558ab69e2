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
// A search within one salesperson's clients or events (where.owner is known) reads only that
// owner's entries of an index (migrations 0020 and 0021), rather than meeting the owner's
// entries with the words' in the index: on PostgreSQL a GIN index of the "<owner>:<trigram>"
// keys of each row (owner_trigrams, Dialect.OwnerTrigrams); on SQLite a column of the FTS5
// table holding the search text written in the owner's characters (OwnedText). An event's
// owner is its contract's sales contact, which the events table copies for its index
// (events.owner_id on PostgreSQL, the view events_owned on SQLite, both kept by triggers).
//
// A contract is searched (q) by its client's fields, on a copy of its client's search text that
// the contract keeps (contracts.search_text, migration 0024, kept by a trigger on clients) and
// that is indexed like the clients' (contractSearch): see where.clientText for the scope of
// such a search.

// searchable is how a search reads on one table.
type searchable struct {
	// text is the search text column, on the table's alias.
	text string
	// id is the id column, on the table's alias; the FTS5 table's rowid is the row's id.
	id string
	// fts is the FTS5 table indexing the search text (SQLite).
	fts string
	// owned is the FTS5 table's column holding the search text written in its owner's
	// characters (OwnedText, the owner being the user of the table's owner scope), "" if it has
	// none. Its search text is then the column search_text.
	owned string
	// ownerTrigrams is the indexed expression of the owner's trigrams of a row, on the table's
	// alias (PostgreSQL, migration 0020; see Dialect.OwnerTrigrams), "" if it has none.
	ownerTrigrams string
}

// The searchable tables.
var (
	clientSearch = searchable{text: "c.search_text", id: "c.id", fts: "clients_fts", owned: "owned",
		ownerTrigrams: "owner_trigrams(c.sales_contact_id, c.search_text)"}
	// A contract's search text is a copy of its client's (migration 0024): where.clientText.
	contractSearch = searchable{text: "k.search_text", id: "k.id", fts: "contracts_fts", owned: "owned",
		ownerTrigrams: "owner_trigrams(k.sales_contact_id, k.search_text)"}
	userSearch  = searchable{text: "u.search_text", id: "u.id", fts: "users_fts"}
	eventSearch = searchable{text: "e.search_text", id: "e.id", fts: "events_fts", owned: "owned",
		ownerTrigrams: "owner_trigrams(e.owner_id, e.search_text)"}
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
	// Within one owner's records, the words are matched in the owner's column (see OwnedText),
	// and each is also checked whole on the search text.
	owned := d.FTS5 && sr.owned != "" && w.owner != nil
	var phrases []string
	// unchecked are the words that only the FTS5 condition checks: walked, it checks them on
	// the search text instead.
	var unchecked []any
	for _, n := range needles {
		if d.FTS5 && utf8.RuneCountInString(n) >= 3 {
			chunks := ftsChunks(n)
			for _, c := range chunks {
				if owned {
					c = OwnedText(*w.owner, c)
				}
				phrases = append(phrases, `"`+strings.ReplaceAll(c, `"`, `""`)+`"`)
			}
			if len(chunks) > 1 || owned {
				w.add("instr("+sr.text+", ?) > 0", n)
			} else {
				unchecked = append(unchecked, n)
			}
			continue
		}
		like := "%" + escapeLike(n) + "%"
		walked := "(" + sr.text + " || '') LIKE ? ESCAPE '\\'"
		w.walks = append(w.walks, walkCond{at: len(w.conds), arg: len(w.args), n: 1, cond: walked, args: []any{like}})
		if d.OwnerTrigrams && sr.ownerTrigrams != "" && w.owner != nil && utf8.RuneCountInString(n) >= 3 {
			// The owner's trigrams find the rows, and the word is checked on those: written so
			// that no index serves it, its share of the rows is not estimated against the search
			// text's statistics (planning sam's query past the window at 1M, in psql: 0.48-0.66
			// ms with the LIKE estimated, 0.31-0.38 without).
			w.add(walked, like)
			w.walks = append(w.walks, walkCond{at: len(w.conds), arg: len(w.args), n: 2})
			w.add(sr.ownerTrigrams+" @> owner_trigrams(?, ?)", *w.owner, n)
			continue
		}
		w.add(sr.text+" LIKE ? ESCAPE '\\'", like)
	}
	if d.FTS5 && len(phrases) > 0 {
		match := strings.Join(phrases, " ")
		switch {
		case owned:
			match = sr.owned + " : (" + match + ")"
		case sr.owned != "":
			match = "search_text : (" + match + ")"
		}
		w.fts = &ftsCond{sr: sr, at: len(w.conds), match: match}
		walk := walkCond{at: len(w.conds), arg: len(w.args), n: 1, args: unchecked}
		if len(unchecked) > 0 {
			walk.cond = strings.Repeat("instr("+sr.text+", ?) > 0 AND ", len(unchecked)-1) + "instr(" + sr.text + ", ?) > 0"
		}
		w.walks = append(w.walks, walk)
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

// ownedAlphabet are the characters of a search text that OwnedText writes in its owner's own
// characters: the letters and digits of a folded text, which make most of its trigrams.
const ownedAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// ownedBase is the first character of the owners' alphabets (Unicode's Supplementary Private
// Use Area-A, U+F0000), and ownedSlots how many alphabets of len(ownedAlphabet) characters it
// holds: the owner of id n writes with alphabet n % ownedSlots.
const (
	ownedBase  = 0xF0000
	ownedSlots = 1820
)

// OwnedText returns the text of an FTS5 table's owned column (SQLite, migration 0020): the search
// text with each character of ownedAlphabet replaced by its owner's own character for it, so
// that its trigrams are that owner's. A word of an owner's search, written the same way, then
// matches in the index only the rows of that owner that contain it: 0.02 ms at 1M for a
// common word of which the owner has none, where meeting the word's entries with the owner's
// took 8 ms. Owners whose ids are ownedSlots apart share an alphabet, and a character the
// alphabet leaves alone is the same for every owner: the query keeps its owner condition and
// checks each word on the search text, so a shared trigram costs reading, never a wrong row.
// Migration 0020 writes the same text in SQL (the view clients_owned, which its triggers and
// the SQLite bulk load read); adapters/sqlite checks that both agree, hence the export.
func OwnedText(owner int64, text string) string {
	base := ownedBase + rune(owner%ownedSlots)*rune(len(ownedAlphabet))
	return strings.Map(func(r rune) rune {
		if i := strings.IndexRune(ownedAlphabet, r); i >= 0 {
			return base + rune(i)
		}
		return r
	}, text)
}

// clientFolds returns the values of the folded columns of a client, in the order first_name_fold,
// last_name_fold, email_fold, company_fold, search_text.
func clientFolds(c *crm.Client) []any {
	return folds(true, clientSearched(c)...)
}

// clientSearchText returns the search text of a client, which its contracts copy.
func clientSearchText(c *crm.Client) string {
	return crm.SearchText(clientSearched(c)...)
}

// clientSearched returns the searched fields of a client: its names, email and company.
func clientSearched(c *crm.Client) []string {
	return []string{c.FirstName, c.LastName, c.Email, c.Company}
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
