package policy

import (
	"fmt"
	"slices"

	"github.com/epicevents/epiccrm/crm"
)

var (
	_ crm.GrantExplainer = (*Policy)(nil)
	_ crm.GrantExplainer = (*Live)(nil)
)

// Grants returns every way the policy gives role a scope for act on res: for each p line that
// grants it (to role itself, or to a role it inherits), that line, preceded by the g lines
// through which role inherits it (the shortest chain, the earliest lines first). They come in
// the order of crm.Scopes, then of the p lines. Only user roles hold grants, as for Scopes.
func (p *Policy) Grants(role crm.Role, res crm.Resource, act crm.Action) []crm.Grant {
	if !role.Valid() {
		return nil
	}
	g := newRoleGraph(p.rules)
	paths := map[string][]rule{string(role): nil}
	for queue := []string{string(role)}; len(queue) > 0; queue = queue[1:] {
		r := queue[0]
		for _, gr := range g.parents[r] {
			parent := gr.vals[1]
			if _, seen := paths[parent]; seen {
				continue
			}
			paths[parent] = append(slices.Clone(paths[r]), gr)
			queue = append(queue, parent)
		}
	}
	var out []crm.Grant
	for _, r := range p.rules {
		if r.kind != "p" || r.vals[1] != string(res) || r.vals[2] != string(act) {
			continue
		}
		path, ok := paths[r.vals[0]]
		if !ok {
			continue
		}
		lines := make([]crm.PolicyLine, 0, len(path)+1)
		for _, gr := range append(slices.Clone(path), r) {
			lines = append(lines, crm.PolicyLine{File: p.name, Line: gr.line, Text: gr.text})
		}
		out = append(out, crm.Grant{Scope: crm.Scope(r.vals[3]), Lines: lines})
	}
	slices.SortStableFunc(out, func(a, b crm.Grant) int {
		return slices.Index(crm.Scopes, a.Scope) - slices.Index(crm.Scopes, b.Scope)
	})
	return out
}

// Grants answers from the policy in force: see Policy.Grants.
func (l *Live) Grants(role crm.Role, res crm.Resource, act crm.Action) []crm.Grant {
	return l.cur.Load().Grants(role, res, act)
}

// Permission is one row of the effective permission table with a single scope: users with Role
// may do Action on the Resource records within Scope.
type Permission struct {
	Role     crm.Role     `json:"role"`
	Resource crm.Resource `json:"resource"`
	Action   crm.Action   `json:"action"`
	Scope    crm.Scope    `json:"scope"`
}

// String formats the permission as a policy line would: "sales, client, read, own".
func (p Permission) String() string {
	return fmt.Sprintf("%s, %s, %s, %s", p.Role, p.Resource, p.Action, p.Scope)
}

// Diff compares the effective permissions of two policies, inheritance resolved: the
// permissions after has and before lacks (added), and those before has and after lacks
// (removed), each in the order of Matrix. Comments, line order and how rules are grouped make
// no difference; two policies with the same Fingerprint have no difference.
func Diff(before, after *Policy) (added, removed []Permission) {
	for _, role := range crm.Roles {
		for _, res := range crm.Resources {
			for _, act := range crm.Actions {
				k := key{role, res, act}
				old, nw := before.scopes[k], after.scopes[k]
				for _, sc := range crm.Scopes {
					p := Permission{role, res, act, sc}
					switch had, has := slices.Contains(old, sc), slices.Contains(nw, sc); {
					case has && !had:
						added = append(added, p)
					case had && !has:
						removed = append(removed, p)
					}
				}
			}
		}
	}
	return added, removed
}

// permissionStrings formats permissions for a log.
func permissionStrings(ps []Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
