package policy

import (
	"fmt"
	"strings"
)

// LineError is one problem in a policy file: the 1-based number of the line, the line as
// written (without surrounding space), and why it is refused. Line is 0 for a problem of the file as a whole.
type LineError struct {
	Line   int
	Text   string
	Reason string
}

// LoadError is the error of a policy that is refused. It lists every problem found, in line
// order, so that an operator can fix the whole file at once rather than one line per attempt.
type LoadError struct {
	// File names the policy, as given to Parse or Load.
	File string
	// Errors are the problems, in line order; there is at least one.
	Errors []LineError
}

// Error returns one "file:line: reason" line per problem ("file: reason" for the file as a
// whole), the form editors and compilers use, so that tools can jump to each line.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, le := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		if le.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: %s", e.File, le.Line, le.Reason)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.File, le.Reason)
		}
	}
	return b.String()
}
