package crm

import "strings"

// PasswordProblem is one rule of the password policy that a password breaks (see
// Passwords.Validate).
type PasswordProblem struct {
	// Reason is the rule's stable name, such as PasswordTooShort: clients and the admin UI's
	// message catalogue key on it.
	Reason string
	// Args are the values the rule's message needs, as many and in the order its reason's
	// documentation gives.
	Args []string
	// Message says what is wrong, in English: one sentence.
	Message string
}

// The reasons of the password policy (adapters/password), each followed in FieldError.Args by
// the values its documentation names. A new rule gets a new reason; a reason is never renamed.
const (
	// PasswordTooLong: longer than a maximum in bytes (Args: the maximum). Nothing else is checked.
	PasswordTooLong = "too_long"
	// PasswordTooSimilar: too like one of the user's fields (Args: the field's name, one of
	// username, first_name, last_name, email).
	PasswordTooSimilar = "too_similar"
	// PasswordTooShort: fewer characters than a minimum (Args: the minimum).
	PasswordTooShort = "too_short"
	// PasswordTooCommon: on the list of common passwords.
	PasswordTooCommon = "too_common"
	// PasswordNumeric: digits only.
	PasswordNumeric = "entirely_numeric"
)

// passwordReasonArgs is how many values follow each reason.
var passwordReasonArgs = map[string]int{
	PasswordTooLong: 1, PasswordTooSimilar: 1, PasswordTooShort: 1, PasswordTooCommon: 0, PasswordNumeric: 0,
}

// weakPassword returns the field error of a password refused for problems: code
// FieldWeakPassword, the problems' English sentences as its message and, when every problem
// is one of the reasons above with its values, those reasons and values one after the other as
// its Args (none otherwise).
func weakPassword(field string, problems []PasswordProblem) FieldError {
	msgs := make([]string, 0, len(problems))
	var args []string
	known := true
	for _, p := range problems {
		msgs = append(msgs, p.Message)
		n, ok := passwordReasonArgs[p.Reason]
		known = known && ok && n == len(p.Args)
		args = append(append(args, p.Reason), p.Args...)
	}
	if !known {
		args = nil
	}
	return FieldError{Field: field, Code: FieldWeakPassword, Message: strings.Join(msgs, " "), Args: args}
}

// WeakPasswordReasons returns the reasons of a FieldWeakPassword error, each with its values
// (no Message: the error's Message holds them all, in English), or nil when f is another error or
// its Args name a reason this version does not know: then only the Message explains it.
func WeakPasswordReasons(f FieldError) []PasswordProblem {
	if f.Code != FieldWeakPassword || len(f.Args) == 0 {
		return nil
	}
	var out []PasswordProblem
	for args := f.Args; len(args) > 0; {
		n, ok := passwordReasonArgs[args[0]]
		if !ok || len(args) < 1+n {
			return nil
		}
		out = append(out, PasswordProblem{Reason: args[0], Args: args[1 : 1+n : 1+n]})
		args = args[1+n:]
	}
	return out
}
