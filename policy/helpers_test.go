package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// base is a small valid policy that tests extend with the lines under test; it ends at line 3.
const base = "# test policy\np, management, client, read, any\np, sales, client, read, own\n"

// lines joins policy lines into policy text, one per line.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// mustParse parses text that must be a valid policy.
func mustParse(tb testing.TB, text string) *policy.Policy {
	tb.Helper()
	p, err := policy.Parse("test.csv", []byte(text))
	require.NoError(tb, err)
	require.NotNil(tb, p)
	return p
}

// mustRefuse parses text that must be refused, and returns the problems found.
func mustRefuse(tb testing.TB, text string) *policy.LoadError {
	tb.Helper()
	p, err := policy.Parse("test.csv", []byte(text))
	require.Error(tb, err)
	require.Nil(tb, p)
	var le *policy.LoadError
	require.True(tb, errors.As(err, &le), "want a *LoadError, got %T: %v", err, err)
	require.NotEmpty(tb, le.Errors)
	return le
}

// problemsAt returns the reasons given for line n.
func problemsAt(le *policy.LoadError, n int) []string {
	var reasons []string
	for _, e := range le.Errors {
		if e.Line == n {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// scopes is shorthand for a list of scopes.
func scopes(s ...crm.Scope) []crm.Scope { return s }

// triple is one permission question.
type triple struct {
	role crm.Role
	res  crm.Resource
	act  crm.Action
}

// everyTriple lists every user role x resource x action, plus roles no user holds.
func everyTriple() []triple {
	var ts []triple
	for _, role := range append(append([]crm.Role{}, crm.Roles...), "", "admin", "Sales") {
		for _, res := range crm.Resources {
			for _, act := range crm.Actions {
				ts = append(ts, triple{role, res, act})
			}
		}
	}
	return ts
}
