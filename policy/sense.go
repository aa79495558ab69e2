package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// checkValue returns why v is not one of the known values, or "" when it is.
func checkValue[T ~string](kind string, v string, known []T) string {
	if slices.Contains(known, T(v)) {
		return ""
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = string(k)
	}
	return fmt.Sprintf("unknown %s %q: it must be one of %s%s", kind, v, strings.Join(names, ", "), commentHint(v))
}

// commentHint explains a value that holds a comment, which is only allowed on its own line.
func commentHint(v string) string {
	if strings.Contains(v, "#") {
		return " (a comment must be on a line of its own)"
	}
	return ""
}

// checkSense returns why (res, act, sc) can never be a sensible permission, or "" when it can.
// All three are known values. Which scopes make sense is the domain's table (crm.SensibleScopes),
// which the CRM applies whatever the policy says; a line outside it is refused here so that an
// operator learns it at once rather than seeing it silently grant nothing.
func checkSense(res crm.Resource, act crm.Action, sc crm.Scope) string {
	scopes := crm.SensibleScopes(res, act)
	if scopes == nil {
		return fmt.Sprintf("%s records cannot be given the action %q: their actions are %s", res, act, actionsOf(res))
	}
	if crm.ScopeMakesSense(res, act, sc) {
		return ""
	}
	why := "it is not one of the scopes of this action"
	switch {
	case res == crm.ResourceAudit:
		why = "the audit log is read as a whole"
	case act == crm.ActionAssign:
		why = "the CRM checks assign on the records the role may already update or create, so a narrower scope would not narrow it"
	case act == crm.ActionCreate:
		why = fmt.Sprintf("the scope of create applies to the parent record, and a new %s has none", res)
	case res == crm.ResourceUser && act == crm.ActionDelete && sc == crm.ScopeSelf:
		why = "nobody may delete their own account"
	case sc == crm.ScopeSelf:
		why = "self means the user's own account, so it is only for user records"
	case res == crm.ResourceUser:
		why = "user records have no sales or support contact; use self or any"
	}
	return fmt.Sprintf("scope %q makes no sense for %s on %s: %s; allowed: %s", sc, act, res, why, joinScopes(scopes))
}

// actionsOf lists the actions that exist for res, in the order of crm.Actions.
func actionsOf(res crm.Resource) string {
	var names []string
	for _, a := range crm.Actions {
		if crm.SensibleScopes(res, a) != nil {
			names = append(names, string(a))
		}
	}
	return strings.Join(names, ", ")
}

func joinScopes(scopes []crm.Scope) string {
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
