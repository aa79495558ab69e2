package policy

import (
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/epicevents/epiccrm/crm"
)

// key names one permission question: may role do act on res?
type key struct {
	role crm.Role
	res  crm.Resource
	act  crm.Action
}

// scopeTable computes, with Casbin, the scopes of every (user role, resource, action) that
// rules grant, inheritance resolved. The rules must have passed every check.
func scopeTable(rules []rule) (map[key][]crm.Scope, error) {
	m, err := model.NewModelFromString(ModelConf)
	if err != nil {
		return nil, fmt.Errorf("the built-in Casbin model is invalid: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("cannot create the Casbin enforcer: %w", err)
	}
	var ps, gs [][]string
	for _, r := range rules {
		if r.kind == "p" {
			ps = append(ps, r.vals)
		} else {
			gs = append(gs, r.vals)
		}
	}
	if len(ps) > 0 {
		if _, err := e.AddPolicies(ps); err != nil {
			return nil, fmt.Errorf("casbin refused the p lines: %w", err)
		}
	}
	if len(gs) > 0 {
		if _, err := e.AddGroupingPolicies(gs); err != nil {
			return nil, fmt.Errorf("casbin refused the g lines: %w", err)
		}
	}
	table := map[key][]crm.Scope{}
	for _, role := range crm.Roles {
		perms, err := e.GetImplicitPermissionsForUser(string(role))
		if err != nil {
			return nil, fmt.Errorf("cannot list the permissions of %s: %w", role, err)
		}
		for _, p := range perms { // role, resource, action, scope
			k := key{role, crm.Resource(p[1]), crm.Action(p[2])}
			if sc := crm.Scope(p[3]); !slices.Contains(table[k], sc) {
				table[k] = append(table[k], sc)
			}
		}
	}
	for k, scopes := range table {
		slices.SortFunc(scopes, func(a, b crm.Scope) int {
			return slices.Index(crm.Scopes, a) - slices.Index(crm.Scopes, b)
		})
		table[k] = slices.Clip(scopes)
	}
	return table, nil
}
