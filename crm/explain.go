package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The reasons a field a caller may not set is refused for. Explain quotes the same words, so
// that what it says about a field is what an update answers.
var (
	whyRole     = Textf("only management may change a role, and never their own")
	whyActive   = Textf("only management may (de)activate a user, and never themselves")
	whyPassword = Textf("change your own password with your current password")
	whyUsername = Textf("only management may change a username")
	whyEmail    = Textf("only management may change an email address")
	whyAssign   = Textf("only a user who may assign contacts may set it")
	whySign     = Textf("setting status to signed takes the sign permission on this contract")
)

// userPowers tells what the user a may change on the user record id beyond their names: anyUser
// (who may update every user) may change usernames and emails; manager (anyUser, on another
// user's record) may also change the role, the activity and the password: the rule UpdateUser
// applies, which a test checks against real updates.
func (s *Service) userPowers(a *User, id int64) (anyUser, manager bool) {
	anyUser = s.visibility(a, ResourceUser, ActionUpdate).Any
	return anyUser, anyUser && id != a.ID
}

// PolicyLine is one line of a policy file.
type PolicyLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// String formats the line as FILE:LINE: TEXT.
func (l PolicyLine) String() string { return fmt.Sprintf("%s:%d: %s", l.File, l.Line, l.Text) }

// Grant is one way a role holds a scope: the p line that gives it and, when the role inherits
// it, the g lines it inherits through, in order (the role's own g line first). Lines ends with
// the p line.
type Grant struct {
	Scope Scope        `json:"scope"`
	Lines []PolicyLine `json:"lines"`
}

// GrantExplainer is an Authorizer that can tell which policy lines give a scope (the policy
// package implements it). Explain names the lines when the Service's Authorizer is one.
type GrantExplainer interface {
	Grants(role Role, res Resource, act Action) []Grant
}

// ScopeCheck says whether one scope of a user reaches a record, and why.
type ScopeCheck struct {
	Action  Action `json:"action"`
	Scope   Scope  `json:"scope"`
	Reaches bool   `json:"reaches"`
	// Reason is a sentence such as "own: the client's sales contact is sue, not sam".
	Reason string `json:"reason"`
	// ReasonText is Reason as a format and its arguments, for a translation.
	ReasonText Text `json:"-"`
}

// FieldRule is a rule on one field that still applies to an update the user may make.
type FieldRule struct {
	Field string `json:"field"`
	// Allowed reports whether the user may change the field on this record (or, without a
	// record, on records they may update).
	Allowed bool `json:"allowed"`
	// Rule says who may change the field.
	Rule string `json:"rule"`
	// Roles lists the roles whose permissions let them change the field (on some record).
	Roles []Role `json:"roles"`
}

// Explanation is the answer to "may this user do this action on this resource (or record), and
// why": the scopes their role holds with the policy lines that give them, which scope reaches
// the record or why none does, and the field rules an update is still subject to.
type Explanation struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Role     Role     `json:"role"`
	Active   bool     `json:"active"`
	Resource Resource `json:"resource"`
	Action   Action   `json:"action"`
	// RecordID is the record asked about, 0 for none. For create it is the parent record the
	// new one would belong to (a client for a contract, a contract for an event), named by
	// Target.
	RecordID int64    `json:"record_id,omitempty"`
	Target   Resource `json:"target,omitempty"`
	Allowed  bool     `json:"allowed"`
	// Reason sums the answer up in one sentence.
	Reason string `json:"reason"`
	// ReasonText is Reason as a format and its arguments, for a translation.
	ReasonText Text `json:"-"`
	// Scopes are the scopes the role has for the action, inheritance resolved.
	Scopes []Scope `json:"scopes"`
	// Grants are the policy lines that give them (empty when the Authorizer cannot say).
	Grants []Grant `json:"grants"`
	// Checks say, for a record, which scope reaches it: first the read scopes (a record outside
	// the read scope does not exist for the user), then those of the action.
	Checks []ScopeCheck `json:"checks,omitempty"`
	// Fields are the field rules of an update (empty for other actions).
	Fields []FieldRule `json:"fields,omitempty"`
}

// parentOf names the resource whose record a new record of res belongs to, and whose scope a
// create permission applies to; "" when res has none.
func parentOf(res Resource) Resource {
	switch res {
	case ResourceContract:
		return ResourceClient
	case ResourceEvent:
		return ResourceContract
	}
	return ""
}

// Explain tells whether the user userID may do act on res and why, from the Service's own
// policy and visibility rules: with id 0 in general, otherwise on the record with id (for
// create, the parent record: the client of a new contract, the contract of a new event). It
// is a trusted call for operators (the CLI) and for RecordAccess: it checks no acting user.
// It returns EINVALID for an action that does not exist for the resource, ENOTFOUND for an
// unknown user or record.
func (s *Service) Explain(ctx context.Context, userID int64, res Resource, act Action, id int64) (*Explanation, error) {
	if _, ok := sensibleScopes[res]; !ok {
		return nil, Errorf(EINVALID, "unknown resource %q: give one of %s", res, joinValues(Resources))
	}
	if sensibleScopes[res][act] == nil {
		return nil, Errorf(EINVALID, "there is no %q action on %s: give one of %s", act, res, joinValues(actionsOf(res)))
	}
	u, err := s.users.FindUser(ctx, userID, Everything)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "no user with id %d", userID)
	}
	if err != nil {
		return nil, err
	}
	ex := &Explanation{UserID: u.ID, Username: u.Username, Role: u.Role, Active: u.IsActive, Resource: res, Action: act,
		Scopes: s.scopes(u.Role, res, act), Grants: s.grants(u.Role, res, act)}
	if ex.Scopes == nil {
		ex.Scopes = []Scope{}
	}
	if id == 0 {
		ex.Allowed = u.IsActive && len(ex.Scopes) > 0
		ex.ReasonText = s.generalReason(ex)
		ex.Reason = ex.ReasonText.String()
		if act == ActionUpdate {
			ex.Fields = s.fieldRules(ctx, u, res, 0)
		}
		return ex, nil
	}
	target := res
	if act == ActionCreate {
		if target = parentOf(res); target == "" {
			return nil, Errorf(EINVALID, "a new %s has no parent record: ask about create without a record id", res)
		}
	}
	ex.RecordID, ex.Target = id, target
	if _, err := s.find(ctx, target, id, Everything); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "no %s with id %d", target, id)
		}
		return nil, err
	}
	readable, err := s.check(ctx, ex, u, target, ActionRead, id)
	if err != nil {
		return nil, err
	}
	reached := readable
	if act != ActionRead {
		if reached, err = s.check(ctx, ex, u, target, act, id); err != nil {
			return nil, err
		}
	}
	ex.Allowed = u.IsActive && readable && reached
	switch {
	case !u.IsActive:
		ex.ReasonText = Textf("%s is deactivated: they can do nothing until management reactivates them", u.Username)
	case !readable:
		ex.ReasonText = Textf("%s may not read %s %d, so for them it does not exist (not found)", u.Username, target, id)
	case !reached && act == ActionCreate:
		ex.ReasonText = Textf("%s may read %s %d but not create %ss for it (forbidden)", u.Username, target, id, res)
	case !reached:
		ex.ReasonText = Textf("%s may read %s %d but not %s it (forbidden)", u.Username, target, id, act)
	case act == ActionCreate:
		ex.ReasonText = Textf("%s may create %ss for %s %d", u.Username, res, target, id)
	default:
		ex.ReasonText = Textf("%s may %s %s %d", u.Username, act, res, id)
	}
	ex.Reason = ex.ReasonText.String()
	if act == ActionUpdate {
		ex.Fields = s.fieldRules(ctx, u, res, id)
	}
	return ex, nil
}

// generalReason sums up an Explanation without a record.
func (s *Service) generalReason(ex *Explanation) Text {
	switch {
	case !ex.Active:
		return Textf("%s is deactivated: they can do nothing until management reactivates them", ex.Username)
	case len(ex.Scopes) == 0:
		return Textf("the policy gives %s no permission to %s %s records", ex.Role, ex.Action, ex.Resource)
	}
	parts := make([]Text, len(ex.Scopes))
	for i, sc := range ex.Scopes {
		parts[i] = Textf("%s (%s)", sc, scopeMeaning(ex.Resource, ex.Action, sc, ex.Username))
	}
	return Textf("%s may %s %s records within %s", ex.Username, ex.Action, ex.Resource, joinTexts(parts, "%s or %s"))
}

// scopeMeaning says which records sc reaches for username.
func scopeMeaning(res Resource, act Action, sc Scope, username string) Text {
	parent := parentOf(res)
	forParent := act == ActionCreate && parent != ""
	switch sc {
	case ScopeAny:
		if act == ActionCreate && parent == "" {
			return Textf("any new %s", res)
		}
		return Textf("any %s record", res)
	case ScopeOwn:
		if forParent {
			return Textf("for %ss whose sales contact is %s", parent, username)
		}
		return Textf("%ss whose sales contact is %s", res, username)
	case ScopeAssigned:
		switch {
		case res == ResourceEvent && act != ActionCreate:
			return Textf("events whose support contact is %s", username)
		case forParent:
			return Textf("for %ss with an event whose support contact is %s", parent, username)
		}
		return Textf("%ss with an event whose support contact is %s", res, username)
	case ScopeSelf:
		return Textf("%s's own account", username)
	}
	return Textf("%s", sc)
}

// grants returns the policy lines that give role its sensible scopes for (res, act), when the
// Authorizer can tell.
func (s *Service) grants(role Role, res Resource, act Action) []Grant {
	out := []Grant{}
	ge, ok := s.authz.(GrantExplainer)
	if !ok {
		return out
	}
	for _, g := range ge.Grants(role, res, act) {
		if ScopeMakesSense(res, act, g.Scope) {
			out = append(out, g)
		}
	}
	return out
}

// check adds to ex a ScopeCheck for each scope u has for act on res, tried on the record id
// through the store with that scope's Visibility alone, and reports whether any reaches it.
func (s *Service) check(ctx context.Context, ex *Explanation, u *User, res Resource, act Action, id int64) (bool, error) {
	// For create the scope applies to the parent record: its own scopes, tried on the parent.
	scopeRes := res
	if act == ActionCreate {
		scopeRes = ex.Resource
	}
	scopes := s.scopes(u.Role, scopeRes, act)
	if len(scopes) == 0 {
		why := Textf("the %s role has no scope to %s %s records", u.Role, act, scopeRes)
		ex.Checks = append(ex.Checks, ScopeCheck{Action: act, Reason: why.String(), ReasonText: why})
		return false, nil
	}
	any := false
	for _, sc := range scopes {
		_, err := s.find(ctx, res, id, scopesVisibility(u, []Scope{sc}))
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, err
		}
		reaches := err == nil
		why, err := s.reachReason(ctx, u, res, id, sc, reaches)
		if err != nil {
			return false, err
		}
		ex.Checks = append(ex.Checks, ScopeCheck{Action: act, Scope: sc, Reaches: reaches, Reason: why.String(), ReasonText: why})
		any = any || reaches
	}
	return any, nil
}

// find reads the record id of res within vis.
func (s *Service) find(ctx context.Context, res Resource, id int64, vis Visibility) (any, error) {
	switch res {
	case ResourceUser:
		return s.users.FindUser(ctx, id, vis)
	case ResourceClient:
		return s.clients.FindClient(ctx, id, vis)
	case ResourceContract:
		return s.contracts.FindContract(ctx, id, vis)
	case ResourceEvent:
		return s.events.FindEvent(ctx, id, vis)
	}
	return nil, Errorf(EINVALID, "%s records have no id to ask about", res)
}

// reachReason explains why the scope sc of u reaches (or not) the record id of res, from the
// record's contacts.
func (s *Service) reachReason(ctx context.Context, u *User, res Resource, id int64, sc Scope, reaches bool) (Text, error) {
	rec, err := s.find(ctx, res, id, Everything)
	if err != nil {
		return Text{}, err
	}
	if sc == ScopeAny {
		return Textf("%s: every %s", sc, res), nil
	}
	var sales, support *int64
	switch r := rec.(type) {
	case *User:
		if sc != ScopeSelf {
			break
		}
		if reaches {
			return Textf("%s: this is %s's own account", sc, u.Username), nil
		}
		return Textf("%s: this is %s's account, not %s's", sc, r.Username, u.Username), nil
	case *Client:
		sales = r.SalesContactID
	case *Contract:
		sales = r.SalesContactID
	case *Event:
		sales, support = r.SalesContactID, r.SupportContactID
	}
	switch sc {
	case ScopeOwn:
		if sales == nil {
			return Textf("%s: the %s has no sales contact", sc, res), nil
		}
		if reaches {
			return Textf("%s: the %s's sales contact is %s", sc, res, u.Username), nil
		}
		return Textf("%s: the %s's sales contact is %s, not %s", sc, res, s.username(ctx, *sales), u.Username), nil
	case ScopeAssigned:
		if res == ResourceEvent {
			switch {
			case support == nil:
				return Textf("%s: the event has no support contact", sc), nil
			case reaches:
				return Textf("%s: the event's support contact is %s", sc, u.Username), nil
			}
			return Textf("%s: the event's support contact is %s, not %s", sc, s.username(ctx, *support), u.Username), nil
		}
		if reaches {
			return Textf("%s: %s is the support contact of an event of this %s", sc, u.Username, res), nil
		}
		return Textf("%s: %s is the support contact of no event of this %s", sc, u.Username, res), nil
	}
	return Textf("%s: does not apply to %s records", sc, res), nil
}

// username names the user id in an explanation.
func (s *Service) username(ctx context.Context, id int64) string {
	if u, err := s.users.FindUser(ctx, id, Everything); err == nil {
		return u.Username
	}
	return fmt.Sprintf("user %d", id)
}

// rolesWith lists the roles that hold some scope for (res, act).
func (s *Service) rolesWith(res Resource, act Action) []Role {
	roles := []Role{}
	for _, r := range Roles {
		if len(s.scopes(r, res, act)) > 0 {
			roles = append(roles, r)
		}
	}
	return roles
}

// rolesWithAny lists the roles that hold scope any for (res, act).
func (s *Service) rolesWithAny(res Resource, act Action) []Role {
	roles := []Role{}
	for _, r := range Roles {
		if slices.Contains(s.scopes(r, res, act), ScopeAny) {
			roles = append(roles, r)
		}
	}
	return roles
}

// fieldRules lists the rules on the fields of an update of res by u (on the record id, or in
// general with id 0): the same predicates the update functions apply.
func (s *Service) fieldRules(ctx context.Context, u *User, res Resource, id int64) []FieldRule {
	switch res {
	case ResourceUser:
		anyUser, manager := s.userPowers(u, id)
		if id == 0 {
			manager = anyUser // on another user's record
		}
		anyUser, manager = anyUser && u.IsActive, manager && u.IsActive
		who := s.rolesWithAny(ResourceUser, ActionUpdate)
		return []FieldRule{
			{Field: "role", Allowed: manager, Rule: whyRole.String(), Roles: who},
			{Field: "is_active", Allowed: manager, Rule: whyActive.String(), Roles: who},
			{Field: "password", Allowed: manager, Rule: whyPassword.String() + " (management sets another user's)", Roles: who},
			{Field: "username", Allowed: anyUser, Rule: whyUsername.String(), Roles: who},
			{Field: "email", Allowed: anyUser, Rule: whyEmail.String(), Roles: who},
		}
	case ResourceClient, ResourceContract, ResourceEvent:
		field := "sales_contact_id"
		if res == ResourceEvent {
			field = "support_contact_id"
		}
		rules := []FieldRule{{Field: field, Allowed: u.IsActive && s.allowed(u, res, ActionAssign),
			Rule: whyAssign.String() + fmt.Sprintf(" (assign on %s)", res), Roles: s.rolesWith(res, ActionAssign)}}
		if res == ResourceContract {
			may := s.allowed(u, res, ActionSign)
			if id != 0 && may {
				_, err := s.contracts.FindContract(ctx, id, s.visibility(u, ResourceContract, ActionSign))
				may = err == nil
			}
			rules = append(rules, FieldRule{Field: "status", Allowed: u.IsActive && may, Rule: whySign.String(),
				Roles: s.rolesWith(ResourceContract, ActionSign)})
		}
		return rules
	}
	return nil
}

// actionsOf lists the actions that exist for res.
func actionsOf(res Resource) []Action {
	var out []Action
	for _, a := range Actions {
		if sensibleScopes[res][a] != nil {
			out = append(out, a)
		}
	}
	return out
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
