package policy

import (
	"fmt"
	"os"
	"slices"

	"github.com/epicevents/epiccrm/crm"
)

// Policy is a checked policy: it tells which scopes each user role has for each action on each
// resource. It implements crm.Authorizer. A Policy never changes once made, so it is safe for
// concurrent use.
type Policy struct {
	name        string
	roles       []string
	scopes      map[key][]crm.Scope
	fingerprint string
	rules       []rule // the p and g lines, for Grants
}

var _ crm.Authorizer = (*Policy)(nil)

// Rule is one row of the effective permission table: the scopes that users with Role have for
// Action on Resource, counting the permissions their role inherits.
type Rule struct {
	Role     crm.Role
	Resource crm.Resource
	Action   crm.Action
	Scopes   []crm.Scope
}

// Load reads and checks the policy file at path. It returns a *LoadError listing every bad
// line when the file is readable but wrong, and another error when it cannot be read.
func Load(path string) (*Policy, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the policy file: %w", err)
	}
	return Parse(path, text)
}

// Parse checks policy text (the content of a policy file) and returns the policy it defines.
// name identifies the text in messages, usually its file name. When the text has problems it
// returns a *LoadError listing every bad line, and no policy: a policy is used whole or not
// at all.
func Parse(name string, text []byte) (*Policy, error) {
	if name == "" {
		name = "policy"
	}
	var ps problems
	rules := readRules(text, &ps)
	checkRoles(rules, &ps)
	if len(ps) == 0 && !slices.ContainsFunc(rules, func(r rule) bool { return r.kind == "p" }) {
		ps.add(0, "", "the policy allows nothing: it has no p line (is this the right file?)")
	}
	if len(ps) > 0 {
		slices.SortStableFunc(ps, func(a, b LineError) int { return a.Line - b.Line })
		return nil, &LoadError{File: name, Errors: ps}
	}
	scopes, err := scopeTable(rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Policy{name: name, roles: roleNames(rules), scopes: scopes, fingerprint: fingerprint(scopes), rules: rules}, nil
}

// roleNames lists the roles rules name: the user roles in the order of crm.Roles, then the
// permission groups in alphabetical order.
func roleNames(rules []rule) []string {
	var groups []string
	named := map[string]bool{}
	for _, r := range rules {
		for _, role := range r.roles() {
			if !named[role] && !crm.Role(role).Valid() {
				groups = append(groups, role)
			}
			named[role] = true
		}
	}
	var roles []string
	for _, u := range crm.Roles {
		if named[string(u)] {
			roles = append(roles, string(u))
		}
	}
	slices.Sort(groups)
	return append(roles, groups...)
}

// Name returns the name the policy was loaded under: its file name, or DefaultName.
func (p *Policy) Name() string { return p.name }

// Scopes returns the scopes role has for act on res, in the order any, own, assigned, self;
// none means never. Only the user roles (management, sales, support) have scopes: a permission
// group is not a role a user can hold. The caller may keep and change the returned slice.
func (p *Policy) Scopes(role crm.Role, res crm.Resource, act crm.Action) []crm.Scope {
	return slices.Clone(p.scopes[key{role, res, act}])
}

// Matrix returns the effective permission table: a Rule for every (user role, resource,
// action) that has at least one scope, inheritance resolved, sorted by role, resource and
// action in the order of crm.Roles, crm.Resources and crm.Actions: the table behind `epiccrm
// policy matrix`.
func (p *Policy) Matrix() []Rule {
	var rules []Rule
	for _, role := range crm.Roles {
		for _, res := range crm.Resources {
			for _, act := range crm.Actions {
				if sc := p.Scopes(role, res, act); len(sc) > 0 {
					rules = append(rules, Rule{Role: role, Resource: res, Action: act, Scopes: sc})
				}
			}
		}
	}
	return rules
}

// Roles returns the names of the roles the policy mentions: first the user roles, in the order
// of crm.Roles, then the permission groups, in alphabetical order.
func (p *Policy) Roles() []string { return slices.Clone(p.roles) }
