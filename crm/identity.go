package crm

import (
	"strings"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// The identity of a user is their username and their email address. Both are compared in a
// canonical form, so that two accounts cannot differ only by case, width, Unicode normalization
// or, for usernames, letters of another script that look the same.

// CanonicalUsername returns the form in which a username is stored and compared: the username
// after RFC 8265's UsernameCaseMapped profile (full-width letters narrowed, lower-cased,
// NFC-normalized), so that "Ann", "ANN" and "ａｎｎ" are the one username "ann". It returns an
// error for a string the profile refuses (spaces, symbols outside ASCII, invisible characters,
// mixed text directions, the empty string).
func CanonicalUsername(username string) (string, error) {
	return precis.UsernameCaseMapped.String(username)
}

// UsernameSkeleton returns the key under which two usernames that look alike collide: the
// Unicode TS #39 skeleton of the username's canonical form (of its lower-cased NFKC form when
// the profile refuses it, as for a name stored before usernames were canonical). "sam" and "ѕаm"
// (Cyrillic ѕ and а) share a skeleton, as do "emile" and "emi1e". A skeleton is only ever
// compared, never shown.
func UsernameSkeleton(username string) string {
	name, err := CanonicalUsername(username)
	if err != nil {
		name = strings.ToLower(norm.NFKC.String(username))
	}
	return confusable.Skeleton(name)
}

// EmailKey returns the form in which email addresses are compared for uniqueness: NFKC, then
// Unicode case folding, then NFKC again (NFKC_Casefold in effect), so that "josé@x.test" typed
// with a combining accent, "JOSÉ@X.TEST" and a full-width "ｊｏｓé@x.test" are one address.
// Addresses are stored as typed; only their keys are compared.
func EmailKey(email string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(email))))
}
