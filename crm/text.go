package crm

import (
	"unicode"
	"unicode/utf8"
)

// cleanText reports whether s is text a person could have typed: valid UTF-8 without control
// characters (NUL and the like), which some databases refuse and no form produces, and without
// invisible format characters (Unicode category Cf: bidirectional overrides and isolates such as
// U+202E, zero-width spaces and joiners U+200B..U+200D, direction marks, U+FEFF), which make a
// text show differently from what it holds. Line breaks and tabs are allowed when multiline is
// true.
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
		if unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// CleanText reports whether s is clean single-line text: valid UTF-8 without control or
// invisible format characters, as every text field and filter of the domain is. Stores use it to
// check values that come back from a client in another form (a pagination cursor) before a
// database sees them.
func CleanText(s string) bool { return cleanText(s, false) }

// textProblem is the message of a text field that is not clean text.
const textProblem = "must be valid text without control characters or invisible format characters (such as U+202E or U+200B)"

// checkText records in fe a text field that is not clean text (see cleanText).
func checkText(fe *fieldErrors, field, v string, multiline bool) {
	if !cleanText(v, multiline) {
		fe.add(field, FieldInvalidText, textProblem)
	}
}

// checkFilterText refuses (EMALFORMED) a text filter that is not clean single-line text. The
// pairs are the parameter's name and its value.
func checkFilterText(pairs ...string) error {
	var fe fieldErrors
	for i := 0; i+1 < len(pairs); i += 2 {
		if !cleanText(pairs[i+1], false) {
			fe.add(pairs[i], FieldInvalidText, textProblem)
		}
	}
	if len(fe) == 0 {
		return nil
	}
	err := fe.err().(*Error)
	err.Code = EMALFORMED
	return err
}
