package password

import (
	"unicode/utf8"

	"github.com/epicevents/epiccrm/adapters/password/internal/pycompat"
	"github.com/epicevents/epiccrm/crm"
)

// maxSimilarity is Django's default threshold: a password whose similarity to a user attribute
// (or a part of it) reaches it is refused.
const maxSimilarity = 0.7

// userAttribute is one attribute that a password is compared with, under the CRM's name for the
// field (what crm.PasswordTooSimilar carries) and Django's verbose name for it (what its error
// message shows).
type userAttribute struct {
	field       string
	verboseName string
	value       func(*crm.User) string
}

// userAttributes are Django's DEFAULT_USER_ATTRIBUTES, in its order.
var userAttributes = []userAttribute{
	{"username", "username", func(u *crm.User) string { return u.Username }},
	{"first_name", "first name", func(u *crm.User) string { return u.FirstName }},
	{"last_name", "last name", func(u *crm.User) string { return u.LastName }},
	{"email", "email address", func(u *crm.User) string { return u.Email }},
}

// tooSimilarTo ports Django's UserAttributeSimilarityValidator: it returns the first attribute
// of u that password is too similar to, or the zero userAttribute. The password and each
// attribute are lowercased; the attribute is compared whole and in the parts it splits into
// around non-word characters (so an email address is also compared by its local part and each
// label of its domain), by difflib's quick_ratio.
func tooSimilarTo(password string, u *crm.User) userAttribute {
	if u == nil {
		return userAttribute{}
	}
	password = pycompat.Lower(password)
	for _, attr := range userAttributes {
		value := attr.value(u)
		if value == "" {
			continue
		}
		value = pycompat.Lower(value)
		for _, part := range append(pycompat.SplitNonWord(value), value) {
			if exceedsMaximumLengthRatio(password, part) {
				continue
			}
			if pycompat.QuickRatio(password, part) >= maxSimilarity {
				return attr
			}
		}
	}
	return userAttribute{}
}

// exceedsMaximumLengthRatio ports Django's shortcut of the same name: when the password is at
// least ten times as long as the value (and the value is short enough for the bound to hold),
// quick_ratio cannot reach the threshold, so the comparison is skipped.
func exceedsMaximumLengthRatio(password, value string) bool {
	pwdLen := utf8.RuneCountInString(password)
	valueLen := utf8.RuneCountInString(value)
	return pwdLen >= 10*valueLen && float64(valueLen) < maxSimilarity/2*float64(pwdLen)
}
