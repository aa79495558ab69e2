package crm

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Search semantics, the same on every store: a search text (the q parameter) is split into words
// at white space, and a record matches when every word is contained in at least one of the
// searched fields (the words may be found in different fields, in any order). A text filter on
// one field (first_name=, client_email=, ...) matches when its whole value is contained in that
// field. Both compare the folded forms (FoldSearch) of the text and of the fields, so case and
// accents never matter, and every character, % and _ included, matches only itself.

// FoldSearch returns the form of s that searches compare: compatibility-decomposed (NFKD, so
// that ligatures such as "ﬁ" and full-width letters read as their plain letters), without
// combining marks (Unicode category Mn: accents, cedillas), case-folded, with the French
// ligatures œ and æ written oe and ae, and recomposed (NFC). "AMÉLIE", "Amélie" and "amelie" all
// fold to "amelie"; "Œuvre" to "oeuvre", "Straße" to "strasse".
func FoldSearch(s string) string {
	s = norm.NFKD.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
	s = cases.Fold().String(s)
	s = ligatures.Replace(s)
	return norm.NFC.String(s)
}

var ligatures = strings.NewReplacer("œ", "oe", "æ", "ae")

// SearchWords returns the folded words of a search text q (see FoldSearch), in order, without
// empty words (a word made only of combining marks folds to nothing) or repeats. A q of white
// space only has no word, and matches every record.
func SearchWords(q string) []string {
	var words []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(FoldSearch(q)) {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// SearchText returns the folded search text of a record's searched fields: each field folded
// (see FoldSearch), joined by line breaks. A search word holds no white space, so it is
// contained in this text exactly when it is contained in one of the fields: a word never
// matches across two fields.
func SearchText(fields ...string) string {
	folded := make([]string, len(fields))
	for i, f := range fields {
		folded[i] = FoldSearch(f)
	}
	return strings.Join(folded, "\n")
}
