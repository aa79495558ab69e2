package policy

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// rule is one p or g line of a policy file with the right number of values. Its values may
// still be blank or unknown: such a line has been recorded as a problem, and the policy is
// refused, but the line still takes part in the checks of the role graph, so that one run
// reports every problem.
type rule struct {
	line int      // 1-based line number
	text string   // the line as written, without surrounding space
	kind string   // "p" or "g"
	vals []string // the values after the kind: role, resource, action, scope; or role, other
}

// roles returns the role names of r: the role of a p line, both roles of a g line.
func (r rule) roles() []string {
	if r.kind == "g" {
		return r.vals
	}
	return r.vals[:1]
}

// problems collects the problems of a policy file.
type problems []LineError

func (ps *problems) add(line int, text, format string, args ...any) {
	*ps = append(*ps, LineError{Line: line, Text: text, Reason: fmt.Sprintf(format, args...)})
}

// valuesPerKind is the number of values after the kind of each line type.
var valuesPerKind = map[string]int{"p": 4, "g": 2}

// readRules splits policy text into its rules, skipping comments and blank lines, and records
// every line that is malformed, repeated, or names a blank, unknown or senseless value. Lines
// are split the way Casbin's own file adapter splits them (comma-separated values, quotes
// allowed), then each value is trimmed.
func readRules(text []byte, ps *problems) []rule {
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	var rules []rule
	seen := map[string]int{}
	for i, raw := range strings.Split(string(text), "\n") {
		num, txt := i+1, strings.TrimSpace(raw)
		if txt == "" || strings.HasPrefix(txt, "#") {
			continue
		}
		fields, err := splitLine(txt)
		if err != nil {
			ps.add(num, txt, "cannot be read as comma-separated values: %v", err)
			continue
		}
		kind, vals := fields[0], fields[1:]
		want, known := valuesPerKind[kind]
		if !known {
			ps.add(num, txt, "unknown line type %q: a rule starts with p (a permission) or g (a role inheriting another role's permissions)", kind)
			continue
		}
		if len(vals) != want {
			ps.add(num, txt, "%s", countReason(kind, vals))
			continue
		}
		key := kind + "\x00" + strings.Join(vals, "\x00")
		if first, dup := seen[key]; dup {
			ps.add(num, txt, "duplicate of line %d: remove one of them", first)
			continue
		}
		seen[key] = num
		r := rule{line: num, text: txt, kind: kind, vals: vals}
		checkRule(r, ps)
		rules = append(rules, r)
	}
	return rules
}

// splitLine splits one line into trimmed values.
func splitLine(txt string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(txt))
	r.TrimLeadingSpace = true
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return fields, nil
}

// countReason explains a line with the wrong number of values.
func countReason(kind string, vals []string) string {
	if kind == "g" {
		return fmt.Sprintf("a g line has 2 values after g (role, inherited role), this one has %d", len(vals))
	}
	why := fmt.Sprintf("a p line has 4 values after p (role, resource, action, scope), this one has %d", len(vals))
	if len(vals) == 5 && (vals[4] == "allow" || vals[4] == "deny") {
		why += ": there is no allow or deny value, since a policy lists only what is allowed"
	}
	return why
}

// checkRule records every problem of one rule that can be seen without the other lines.
func checkRule(r rule, ps *problems) {
	num, txt := r.line, r.text
	for _, role := range r.roles() {
		if role == "" {
			ps.add(num, txt, "blank role name")
		}
	}
	if r.kind == "p" {
		res, act, sc := r.vals[1], r.vals[2], r.vals[3]
		known := true
		for _, c := range []struct{ kind, val, why string }{
			{"resource", res, checkValue("resource", res, crm.Resources)},
			{"action", act, checkValue("action", act, crm.Actions)},
			{"scope", sc, checkValue("scope", sc, crm.Scopes)},
		} {
			switch {
			case c.val == "":
				ps.add(num, txt, "blank %s", c.kind)
				known = false
			case c.why != "":
				ps.add(num, txt, "%s", c.why)
				known = false
			}
		}
		if known {
			if why := checkSense(crm.Resource(res), crm.Action(act), crm.Scope(sc)); why != "" {
				ps.add(num, txt, "%s", why)
			}
		}
	}
}
