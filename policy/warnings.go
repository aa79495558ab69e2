package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// fingerprint returns the first 12 hex digits of the SHA-256 of the effective permission
// table: one "role resource action scope,scope" line per (user role, resource, action) with a
// scope, in the order of crm.Roles, crm.Resources and crm.Actions. Two files that give every
// role the same permissions (whatever their comments, order, groups or spelling) have the same
// fingerprint.
func fingerprint(table map[key][]crm.Scope) string {
	h := sha256.New()
	for _, role := range crm.Roles {
		for _, res := range crm.Resources {
			for _, act := range crm.Actions {
				if sc := table[key{role, res, act}]; len(sc) > 0 {
					fmt.Fprintf(h, "%s %s %s %s\n", role, res, act, joinScopes(sc))
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Fingerprint identifies the effective permissions of the policy: the first 12 hex digits of
// the SHA-256 of its permission table (Matrix), inheritance resolved. It does not change with
// comments, line order or how the rules are grouped, only with who may do what, so an operator
// can tell which policy a server applies (/readyz, /metrics, the log) and whether an edit changed
// anything.
func (p *Policy) Fingerprint() string { return p.fingerprint }

// Warnings lists what in the policy, though valid, probably locks people out, in a fixed order:
//
//   - no role may manage users (has scope any for create or update on user), so nobody could
//     add an account, change a role, deactivate an account or reset a password;
//   - management lacks a permission that the built-in policy gives it (one warning per resource);
//   - nobody may read a resource at all.
//
// A warning does not stop the policy from being used; `epiccrm policy check --strict` treats
// warnings as errors. The built-in policy has none.
func (p *Policy) Warnings() []string {
	var ws []string
	var missing []string
	for _, need := range []struct {
		act  crm.Action
		what string
	}{
		{crm.ActionCreate, "add accounts"},
		{crm.ActionUpdate, "change roles, deactivate accounts or reset passwords"},
	} {
		if !slices.ContainsFunc(crm.Roles, func(r crm.Role) bool {
			return slices.Contains(p.scopes[key{r, crm.ResourceUser, need.act}], crm.ScopeAny)
		}) {
			missing = append(missing, fmt.Sprintf("%q (to %s)", "user, "+string(need.act)+", any", need.what))
		}
	}
	if len(missing) > 0 {
		ws = append(ws, fmt.Sprintf("no role may manage users: none has %s; management has them in the built-in policy",
			strings.Join(missing, " or ")))
	}
	if def, err := Default(); err == nil && def != p {
		for _, res := range crm.Resources {
			var lost []string
			for _, act := range crm.Actions {
				have := p.scopes[key{crm.RoleManagement, res, act}]
				for _, sc := range def.scopes[key{crm.RoleManagement, res, act}] {
					if !slices.Contains(have, sc) {
						lost = append(lost, fmt.Sprintf("%q", fmt.Sprintf("p, %s, %s, %s, %s", crm.RoleManagement, res, act, sc)))
					}
				}
			}
			if len(lost) > 0 {
				ws = append(ws, fmt.Sprintf("management lost permissions on %s that the built-in policy gives it: %s; add them back unless that is meant",
					res, strings.Join(lost, ", ")))
			}
		}
	}
	for _, res := range crm.Resources {
		if !slices.ContainsFunc(crm.Roles, func(r crm.Role) bool { return len(p.scopes[key{r, res, crm.ActionRead}]) > 0 }) {
			what := res + " records"
			if res == crm.ResourceAudit {
				what = "the audit log"
			}
			ws = append(ws, fmt.Sprintf("nobody may read %s: give some role a line \"p, ROLE, %s, read, SCOPE\"", what, res))
		}
	}
	return ws
}
