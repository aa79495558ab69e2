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

// FieldError names one bad input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the domain. Message is safe to show to the caller; Err, if
// set, is the underlying cause, for logs only.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
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

// Errorf returns an *Error with the given code and a formatted, caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. Its message is generic; the cause stays in Err for logs.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "an internal error occurred", Err: err}
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
	return "an internal error occurred"
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

// add records a problem with field; a second problem with the same field joins the first.
func (fe *fieldErrors) add(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for i := range *fe {
		if (*fe)[i].Field == field {
			(*fe)[i].Message += "; " + msg
			return
		}
	}
	*fe = append(*fe, FieldError{Field: field, Message: msg})
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
	return &Error{Code: EINVALID, Message: "invalid value for " + strings.Join(names, ", "), Fields: fe}
}

// forbiddenField is the error for a field that the caller may not set.
func forbiddenField(field, why string) error {
	return &Error{
		Code:    EFORBIDDEN,
		Message: fmt.Sprintf("you may not set %s: %s", field, why),
		Fields:  []FieldError{{Field: field, Message: why}},
	}
}
