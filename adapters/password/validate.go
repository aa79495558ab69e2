package password

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/adapters/password/internal/pycompat"
	"github.com/epicevents/epiccrm/crm"
)

// MinLength is the minimum length of a password in characters (code points), Django's default.
const MinLength = 8

// Validate returns the rules password breaks for u, none when it is acceptable. It applies
// Django's four default validators, in Django's order and with Django's messages:
// UserAttributeSimilarity (too similar to the username, first or last name or email address:
// crm.PasswordTooSimilar), MinimumLength (fewer than MinLength characters: crm.PasswordTooShort),
// CommonPassword (on Django's list of 20,000 common passwords, whatever the case:
// crm.PasswordTooCommon) and NumericPassword (digits only: crm.PasswordNumeric). A password
// longer than MaxPasswordBytes is refused for that reason alone (crm.PasswordTooLong), before any
// other check. u may be nil (no similarity check).
func (h *Hasher) Validate(password string, u *crm.User) []crm.PasswordProblem {
	if len(password) > MaxPasswordBytes {
		return []crm.PasswordProblem{{Reason: crm.PasswordTooLong, Args: []string{strconv.Itoa(MaxPasswordBytes)},
			Message: fmt.Sprintf("This password is too long. It must contain at most %d bytes.", MaxPasswordBytes)}}
	}
	var problems []crm.PasswordProblem
	if attr := tooSimilarTo(password, u); attr.field != "" {
		problems = append(problems, crm.PasswordProblem{Reason: crm.PasswordTooSimilar, Args: []string{attr.field},
			Message: fmt.Sprintf("The password is too similar to the %s.", attr.verboseName)})
	}
	if utf8.RuneCountInString(password) < MinLength {
		problems = append(problems, crm.PasswordProblem{Reason: crm.PasswordTooShort, Args: []string{strconv.Itoa(MinLength)},
			Message: fmt.Sprintf("This password is too short. It must contain at least %d characters.", MinLength)})
	}
	if isCommon(password) {
		problems = append(problems, crm.PasswordProblem{Reason: crm.PasswordTooCommon, Message: "This password is too common."})
	}
	if pycompat.IsDigit(password) {
		problems = append(problems, crm.PasswordProblem{Reason: crm.PasswordNumeric, Message: "This password is entirely numeric."})
	}
	return problems
}
