package policy_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/policy"
)

// FuzzParse mangles policy text and checks what Parse makes of it: either a policy that stock
// Casbin, given the same text and model, agrees with on every (role, resource, action), or a
// *LoadError whose problems are in line order, each naming a line of the text (quoted as
// written) or the file as a whole, with a reason, and printed as "file:line: reason". It never
// panics and never returns another kind of error.
func FuzzParse(f *testing.F) {
	f.Add(policy.DefaultCSV)
	f.Add(base)
	f.Add("\ufeff" + base)
	f.Add(strings.ReplaceAll(policy.DefaultCSV, "\n", "\r\n"))
	f.Add(base + lines("g, support, sales", "g, sales, support"))
	f.Add(base + lines("p, readers, event, read, any", "g, support, readers", "g, readers, readers"))
	f.Add(base + lines(`p, "sales, client, read, own`, `p, "sales", "client", "update", "own"`))
	f.Add(base + lines("p, sales, client, update, own # theirs", "p,,,,", "g", "p", ",", "#"))
	f.Add(base + lines("p, sales, client, read, own"))
	f.Add("")
	f.Add("\x00\xff\n\r\n\n")
	f.Add("m = r.sub == p.sub\n[policy_definition]\np = sub, obj, act")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := policy.Parse("fuzz.csv", []byte(text))
		if err == nil {
			require.NotNil(t, p)
			agreesWithCasbin(t, p, text)
			return
		}
		assert.Nil(t, p, "a refused policy must not be returned")
		var le *policy.LoadError
		require.True(t, errors.As(err, &le), "want a *LoadError, got %T: %v", err, err)
		require.NotEmpty(t, le.Errors)
		assert.Equal(t, "fuzz.csv", le.File)
		textLines := strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n")
		msgLines := strings.Split(le.Error(), "\n")
		require.Len(t, msgLines, len(le.Errors), "one message line per problem")
		for i, e := range le.Errors {
			if i > 0 {
				assert.LessOrEqual(t, le.Errors[i-1].Line, e.Line, "problems are in line order")
			}
			assert.NotEmpty(t, e.Reason)
			require.GreaterOrEqual(t, e.Line, 0)
			require.LessOrEqual(t, e.Line, len(textLines), "problem %+v names a line past the end", e)
			if e.Line == 0 {
				assert.Equal(t, "fuzz.csv: "+e.Reason, msgLines[i])
				continue
			}
			assert.Equal(t, strings.TrimSpace(textLines[e.Line-1]), e.Text, "problem %+v quotes another line", e)
			assert.Equal(t, fmt.Sprintf("fuzz.csv:%d: %s", e.Line, e.Reason), msgLines[i])
		}
	})
}

// agreesWithCasbin checks that stock Casbin, loading the rules of text through its string
// adapter, allows exactly what p gives scopes to. Casbin is given the rules as Parse reads
// them: rule lines only (its adapter panics on a line of spaces, which Parse skips), with each
// value trimmed (Casbin keeps the spaces before a comma; Parse trims them, by design).
func agreesWithCasbin(t *testing.T, p *policy.Policy, text string) {
	t.Helper()
	var rules strings.Builder
	w := csv.NewWriter(&rules)
	for _, l := range strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		r := csv.NewReader(strings.NewReader(l))
		r.TrimLeadingSpace = true
		vals, err := r.Read()
		require.NoError(t, err, "Parse accepted the line %q, which is not CSV", l)
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		require.NoError(t, w.Write(vals))
	}
	w.Flush()
	e := stockEnforcer(t, rules.String())
	for _, tc := range everyTriple() {
		ok, err := e.Enforce(string(tc.role), string(tc.res), string(tc.act))
		require.NoError(t, err)
		got := p.Scopes(tc.role, tc.res, tc.act)
		assert.Equal(t, ok, len(got) > 0, "%s %s %s: Casbin says %v, Parse gives %v", tc.role, tc.act, tc.res, ok, got)
	}
}
