package password

import (
	"fmt"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/adapters/password/internal/pycompat"
	"github.com/epicevents/epiccrm/crm"
)

// MinLength is the minimum length of a password in characters (code points), Django's default.
const MinLength = 8

// Validate returns the reasons password is not acceptable for u, none when it is. It applies
// Django's four default validators, in Django's order and with Django's messages:
// UserAttributeSimilarity (too similar to the username, first or last name or email address),
// MinimumLength (fewer than MinLength characters), CommonPassword (on Django's list of 20,000
// common passwords, whatever the case) and NumericPassword (digits only). A password longer than
// MaxPasswordBytes is refused for that reason alone, before any other check. u may be nil (no
// similarity check).
func (h *Hasher) Validate(password string, u *crm.User) []string {
	if len(password) > MaxPasswordBytes {
		return []string{fmt.Sprintf("This password is too long. It must contain at most %d bytes.", MaxPasswordBytes)}
	}
	var reasons []string
	if attr := tooSimilarTo(password, u); attr != "" {
		reasons = append(reasons, fmt.Sprintf("The password is too similar to the %s.", attr))
	}
	if utf8.RuneCountInString(password) < MinLength {
		reasons = append(reasons, fmt.Sprintf("This password is too short. It must contain at least %d characters.", MinLength))
	}
	if isCommon(password) {
		reasons = append(reasons, "This password is too common.")
	}
	if pycompat.IsDigit(password) {
		reasons = append(reasons, "This password is entirely numeric.")
	}
	return reasons
}
