package crm

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Error codes. Every error a Service method returns carries one of them, so that each adapter can
// map it to its own status (an HTTP status, a CLI exit code) in one table.
const (
	ECONFLICT     = "conflict"     // a state conflict: duplicate, unsigned contract, record still referenced
	EFORBIDDEN    = "forbidden"    // the caller may see the record but not do this to it
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details are logged, never shown
	EINVALID      = "invalid"      // well-formed input with invalid values (see Error.Fields)
	EMALFORMED    = "malformed"    // input that cannot be parsed: a bad id, cursor or query parameter
	ENOTFOUND     = "not_found"    // no such record, or one outside the caller's read scope
	EPRECONDITION = "precondition" // the record changed since the caller read it (If-Match)
	ETHROTTLED    = "throttled"    // too many failed logins; retry after Error.RetryAfter
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached right now; retry later
	EBUSY         = "busy"         // too much work at once (password checks); retry after Error.RetryAfter
)

// FieldCode is the stable machine name of the rule a field broke, so that a client can show its
// own translated message; Message stays the English explanation.
type FieldCode string

// Field error codes: one per rule, stable across releases (clients and the admin UI's message
// catalogue key on them). A new rule gets a new code; a code is never renamed.
const (
	FieldRequired          FieldCode = "required"            // the field is missing or empty
	FieldTooLong           FieldCode = "too_long"            // more characters than allowed (Args: the maximum)
	FieldInvalidEmail      FieldCode = "invalid_email"       // not an email address
	FieldInvalidPhone      FieldCode = "invalid_phone"       // not a phone number (Args: the maximum length)
	FieldInvalidUsername   FieldCode = "invalid_username"    // not a valid username
	FieldInvalidText       FieldCode = "invalid_text"        // control or invisible format characters
	FieldInvalidChoice     FieldCode = "invalid_choice"      // not one of the allowed values
	FieldInvalidValue      FieldCode = "invalid_value"       // cannot be read: wrong type or format
	FieldOutOfRange        FieldCode = "out_of_range"        // a number, amount or date outside its bounds (Args: low, high)
	FieldNotFoundReference FieldCode = "not_found_reference" // names a record that does not exist or does not fit
	FieldEndBeforeStart    FieldCode = "end_before_start"    // an end that is not after its start
	FieldTaken             FieldCode = "taken"               // already used by another record
	FieldWeakPassword      FieldCode = "weak_password"       // refused by the password policy (Args: each broken rule's reason, such as too_short, then its values; see PasswordProblem)
	FieldWrongPassword     FieldCode = "wrong_password"      // the current password is wrong
	FieldSamePassword      FieldCode = "same_password"       // the new password is the current one
	FieldImmutable         FieldCode = "immutable"           // cannot be changed once set
	FieldNotAllowed        FieldCode = "not_allowed"         // the caller may not set this field
	FieldUnknown           FieldCode = "unknown_parameter"   // not a parameter or field of this request
	FieldDuplicate         FieldCode = "duplicate"           // given more than once
	FieldInvalidCursor     FieldCode = "invalid_cursor"      // a pagination cursor from elsewhere
	FieldInvalidSort       FieldCode = "invalid_sort"        // not a sortable field
)

// FieldCodes lists every field error code, for documentation and for the catalogue tests of the
// adapters that translate them.
var FieldCodes = []FieldCode{FieldRequired, FieldTooLong, FieldInvalidEmail, FieldInvalidPhone, FieldInvalidUsername,
	FieldInvalidText, FieldInvalidChoice, FieldInvalidValue, FieldOutOfRange, FieldNotFoundReference,
	FieldEndBeforeStart, FieldTaken, FieldWeakPassword, FieldWrongPassword, FieldSamePassword, FieldImmutable,
	FieldNotAllowed, FieldUnknown, FieldDuplicate, FieldInvalidCursor, FieldInvalidSort}

// FieldError names one bad input field, the rule it broke (Code) and, in English, what is wrong
// with it (Message). Args are the values a translated message needs (a maximum length, bounds),
// in the order the code's documentation gives; they are not part of the API body.
type FieldError struct {
	Field   string    `json:"field"`
	Code    FieldCode `json:"code"`
	Message string    `json:"message"`
	Args    []string  `json:"-"`
}

// Error is the one error type of the domain. Message is safe to show to the caller; Err, if
// set, is the underlying cause, for logs only.
type Error struct {
	Code    string
	Message string
	// Format and Args are what Message was written from (see Text), so that an adapter can
	// translate it; Format is empty for a message written as it is.
	Format string
	Args   []any
	Fields []FieldError
	// RetryAfter is how long to wait before trying again, for ETHROTTLED and EBUSY.
	RetryAfter time.Duration
	Err        error
}

// Error implements the error interface. It includes the cause, so it is meant for logs.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted, caller-safe message. The format
// is an English sentence that the adapters translate: a literal, so that their catalogue tests
// find it (see Text).
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// withFields adds field errors to e.
func (e *Error) withFields(fields ...FieldError) *Error {
	e.Fields = append(e.Fields, fields...)
	return e
}

// causedBy sets the underlying cause of e, for logs.
func (e *Error) causedBy(err error) *Error {
	e.Err = err
	return e
}

// Text is a sentence of the domain kept as its English format and arguments, so that an adapter
// can show it in another language: it looks the format up in its catalogue (the English format is
// the key, as with gettext) and formats the translation with the arguments. An argument of type
// Resource, Action or Role is an English word the adapter translates too, and a Text argument a
// sentence of its own. Formats are literals at the call of Textf, Errorf or forbiddenWrite, so a
// test can list them all.
type Text struct {
	Format string
	Args   []any
}

// Textf returns the Text of format and args.
func Textf(format string, args ...any) Text { return Text{Format: format, Args: args} }

// String returns the English sentence.
func (t Text) String() string { return fmt.Sprintf(t.Format, t.Args...) }

// joinTexts joins texts into one with sep, a format of two %s such as "%s; %s" (so that a
// language can write its own separator); the zero Text for none.
func joinTexts(texts []Text, sep string) Text {
	switch len(texts) {
	case 0:
		return Text{}
	case 1:
		return texts[0]
	}
	return Textf(sep, texts[0], joinTexts(texts[1:], sep))
}

// ErrorText returns the message of err as a Text, for an adapter to translate: the format and
// arguments of an *Error (its message as it is when it has no format), and the generic message
// of an internal error for anything else.
func ErrorText(err error) Text {
	var e *Error
	if !errors.As(err, &e) || e.Code == EINTERNAL {
		return Textf(internalMessage)
	}
	if e.Format == "" {
		return Textf(strings.ReplaceAll(e.Message, "%", "%%"))
	}
	return Textf(e.Format, e.Args...)
}

// internalMessage is the message of every internal error.
const internalMessage = "an internal error occurred"

// Internal wraps an unexpected failure. Its message is generic; the cause stays in Err for logs.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: internalMessage, Err: err}
}

// ErrorCode returns the code of err: the code of the first *Error in its chain, "" for nil, and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err; for anything but an *Error it is generic.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return internalMessage
}

// ErrorFields returns the field errors of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// fieldErrors collects the field errors of one input, so that a caller learns of every bad field
// at once rather than one per attempt.
type fieldErrors []FieldError

// add records a problem with field, the broken rule's code and its English message; a second
// problem with the same field joins the first's message and keeps the first's code.
func (fe *fieldErrors) add(field string, code FieldCode, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for i := range *fe {
		if (*fe)[i].Field == field {
			(*fe)[i].Message += "; " + msg
			return
		}
	}
	*fe = append(*fe, FieldError{Field: field, Code: code, Message: msg, Args: fieldArgs(args)})
}

// fieldArgs writes the arguments of a message as the Args of its field error.
func fieldArgs(args []any) []string {
	if len(args) == 0 {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprint(a)
	}
	return out
}

// err returns nil when nothing was collected, or an EINVALID error listing every field.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	sort.SliceStable(fe, func(i, j int) bool { return fe[i].Field < fe[j].Field })
	names := make([]string, 0, len(fe))
	for _, f := range fe {
		names = append(names, f.Field)
	}
	return Errorf(EINVALID, "invalid value for %s", FieldNames(names)).withFields(fe...)
}

// FieldNames are the names of input fields, an argument of a Text that an adapter can show
// with its own labels; String joins them with commas.
type FieldNames []string

// String returns the names joined with ", ".
func (n FieldNames) String() string { return strings.Join(n, ", ") }

// forbiddenField is the error for a field that the caller may not set.
func forbiddenField(field string, why Text) error {
	return Errorf(EFORBIDDEN, "you may not set %s: %s", FieldNames{field}, why).
		withFields(FieldError{Field: field, Code: FieldNotAllowed, Message: why.String()})
}
