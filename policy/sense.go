package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// sensible lists, for each resource, the actions that exist for it and the scopes each of
// them may take. A permission outside this table could never take effect in the CRM, or would
// take effect more widely than it says, so a line asking for one is refused.
var sensible = map[crm.Resource]map[crm.Action][]crm.Scope{
	crm.ResourceUser: {
		crm.ActionRead:   {crm.ScopeAny, crm.ScopeSelf},
		crm.ActionCreate: {crm.ScopeAny},
		crm.ActionUpdate: {crm.ScopeAny, crm.ScopeSelf},
		crm.ActionDelete: {crm.ScopeAny},
	},
	crm.ResourceClient: {
		crm.ActionRead:   recordScopes,
		crm.ActionCreate: {crm.ScopeAny},
		crm.ActionUpdate: recordScopes,
		crm.ActionDelete: recordScopes,
		crm.ActionAssign: {crm.ScopeAny},
	},
	crm.ResourceContract: {
		crm.ActionRead:   recordScopes,
		crm.ActionCreate: recordScopes,
		crm.ActionUpdate: recordScopes,
		crm.ActionDelete: recordScopes,
		crm.ActionSign:   recordScopes,
		crm.ActionAssign: {crm.ScopeAny},
	},
	crm.ResourceEvent: {
		crm.ActionRead:   recordScopes,
		crm.ActionCreate: recordScopes,
		crm.ActionUpdate: recordScopes,
		crm.ActionDelete: recordScopes,
		crm.ActionAssign: {crm.ScopeAny},
	},
	crm.ResourceAudit: {
		crm.ActionRead: {crm.ScopeAny},
	},
}

// recordScopes are the scopes of clients, contracts and events, which have contacts.
var recordScopes = []crm.Scope{crm.ScopeAny, crm.ScopeOwn, crm.ScopeAssigned}

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
// All three are known values.
func checkSense(res crm.Resource, act crm.Action, sc crm.Scope) string {
	scopes, ok := sensible[res][act]
	if !ok {
		return fmt.Sprintf("%s records cannot be given the action %q: their actions are %s", res, act, actionsOf(res))
	}
	if slices.Contains(scopes, sc) {
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
		if _, ok := sensible[res][a]; ok {
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
