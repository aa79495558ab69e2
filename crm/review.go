package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// HeldCredentials counts the credentials a user still holds: refresh tokens that can still be
// used (neither used, revoked nor expired) and admin UI sessions.
type HeldCredentials struct {
	UserID        int64 `json:"user_id"`
	RefreshTokens int   `json:"refresh_tokens"`
	Sessions      int   `json:"sessions"`
}

// CredentialCounter is an optional port of the user store: a store that implements it lets the
// access review flag deactivated users who still hold credentials. The SQL stores implement it.
type CredentialCounter interface {
	// HeldCredentials returns, for every user who holds at least one refresh token usable at
	// now or one session, how many of each, in order of user id.
	HeldCredentials(ctx context.Context, now time.Time) ([]HeldCredentials, error)
}

// AccessRow is one line of an access review: a user, what they may do on a resource, with
// which scopes, and how many records that reaches today.
type AccessRow struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Role     Role     `json:"role"`
	Resource Resource `json:"resource"`
	Action   Action   `json:"action"`
	Scopes   []Scope  `json:"scopes"`
	// Target is the resource whose records Records counts: Resource, or for create the parent
	// a new record belongs to (client for contract, contract for event).
	Target Resource `json:"target,omitempty"`
	// Records is how many records of Target the scopes reach (within the action's scope, as
	// the store filters them); nil when there is nothing to count (creating a client or a
	// user, the audit log).
	Records *int `json:"records"`
}

// CredentialFlag is a deactivated user who still holds refresh tokens or sessions. They cannot
// use them (every request re-reads the user), but the credentials should not exist.
type CredentialFlag struct {
	HeldCredentials
	Username string `json:"username"`
	Role     Role   `json:"role"`
}

// AccessReview is the answer of Service.AccessReview.
type AccessReview struct {
	// At is when the review was made.
	At time.Time `json:"at"`
	// Rows has, for each active user (in order of id), each resource and action their role
	// holds a scope for.
	Rows []AccessRow `json:"rows"`
	// Flags lists the deactivated users who still hold credentials.
	Flags []CredentialFlag `json:"flags"`
	// CredentialsChecked is false when the store cannot count credentials (Flags is then empty).
	CredentialsChecked bool `json:"credentials_checked"`
}

// allUsers returns every user, in order of id.
func (s *Service) allUsers(ctx context.Context) ([]*User, error) {
	var out []*User
	f := UserFilter{ListOptions: ListOptions{Limit: MaxLimit, Sort: "id"}}
	for {
		page, next, err := s.users.ListUsers(ctx, f, FullAccess)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// AccessReview lists, for each active user, each resource and action their role may do, with
// the scopes and the number of records they reach today (counted by the store with the same
// Visibility a list uses), and flags the deactivated users who still hold refresh tokens or
// sessions. It is a trusted call for operators (the CLI); ReviewAccess is the one for a user.
func (s *Service) AccessReview(ctx context.Context) (*AccessReview, error) {
	users, err := s.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	rev := &AccessReview{At: s.clock(), Rows: []AccessRow{}, Flags: []CredentialFlag{}}
	byID := map[int64]*User{}
	for _, u := range users {
		byID[u.ID] = u
		if !u.IsActive {
			continue
		}
		for _, res := range Resources {
			for _, act := range actionsOf(res) {
				scopes := s.scopes(u.Role, res, act)
				if len(scopes) == 0 {
					continue
				}
				row := AccessRow{UserID: u.ID, Username: u.Username, Role: u.Role, Resource: res, Action: act, Scopes: scopes}
				target, n, err := s.countReach(ctx, u, res, act, scopes)
				if err != nil {
					return nil, err
				}
				row.Target, row.Records = target, n
				rev.Rows = append(rev.Rows, row)
			}
		}
	}
	if cc, ok := s.users.(CredentialCounter); ok {
		rev.CredentialsChecked = true
		held, err := cc.HeldCredentials(ctx, s.clock())
		if err != nil {
			return nil, err
		}
		for _, h := range held {
			if u := byID[h.UserID]; u != nil && !u.IsActive {
				rev.Flags = append(rev.Flags, CredentialFlag{HeldCredentials: h, Username: u.Username, Role: u.Role})
			}
		}
	}
	return rev, nil
}

// ReviewAccess is AccessReview for the acting user, who must be allowed to read every user
// account (management, by default): the review names every user and what they may do.
func (s *Service) ReviewAccess(ctx context.Context) (*AccessReview, error) {
	if err := s.mayReview(ctx); err != nil {
		return nil, err
	}
	return s.AccessReview(ctx)
}

// mayReview refuses (EFORBIDDEN) an acting user who may not read every user account.
func (s *Service) mayReview(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if !s.visibility(a, ResourceUser, ActionRead).Any {
		return Errorf(EFORBIDDEN, "only a user who may read every account (management) may review who can access what")
	}
	return nil
}

// countTarget names the resource whose records the scopes of act on res reach: res itself, or
// for create the parent; "" when there is nothing to count.
func countTarget(res Resource, act Action) Resource {
	if act == ActionCreate {
		return parentOf(res)
	}
	if res == ResourceAudit {
		return ""
	}
	return res
}

// countReach counts the records the scopes of u for act on res reach.
func (s *Service) countReach(ctx context.Context, u *User, res Resource, act Action, scopes []Scope) (Resource, *int, error) {
	target := countTarget(res, act)
	if target == "" {
		return "", nil, nil
	}
	vis := scopesVisibility(u, scopes)
	n := 0
	var err error
	if !vis.None() {
		switch target {
		case ResourceUser:
			n, err = s.users.CountUsers(ctx, UserFilter{}, within(ResourceUser, vis))
		case ResourceClient:
			n, err = s.clients.CountClients(ctx, ClientFilter{}, within(ResourceClient, vis))
		case ResourceContract:
			n, err = s.contracts.CountContracts(ctx, ContractFilter{}, within(ResourceContract, vis))
		case ResourceEvent:
			n, err = s.events.CountEvents(ctx, EventFilter{}, within(ResourceEvent, vis))
		}
	}
	if err != nil {
		return "", nil, err
	}
	return target, &n, nil
}

// within is the Access of a list or count of the records of res within vis: the lists and
// counts of reviews have no filter on related records, so the other resources' Visibility
// does not matter.
func within(res Resource, vis Visibility) Access {
	acc := FullAccess
	switch res {
	case ResourceUser:
		acc.Users = vis
	case ResourceClient:
		acc.Clients = vis
	case ResourceContract:
		acc.Contracts = vis
	case ResourceEvent:
		acc.Events = vis
	}
	return acc
}

// reachIDs lists the ids of the records of target within vis, in order.
func (s *Service) reachIDs(ctx context.Context, target Resource, vis Visibility) ([]int64, error) {
	if vis.None() {
		return nil, nil
	}
	opts := ListOptions{Limit: MaxLimit, Sort: "id"}
	var ids []int64
	for {
		var next string
		var err error
		switch target {
		case ResourceUser:
			var page []*User
			page, next, err = s.users.ListUsers(ctx, UserFilter{ListOptions: opts}, within(target, vis))
			for _, r := range page {
				ids = append(ids, r.ID)
			}
		case ResourceClient:
			var page []*Client
			page, next, err = s.clients.ListClients(ctx, ClientFilter{ListOptions: opts}, within(target, vis))
			for _, r := range page {
				ids = append(ids, r.ID)
			}
		case ResourceContract:
			var page []*Contract
			page, next, err = s.contracts.ListContracts(ctx, ContractFilter{ListOptions: opts}, within(target, vis))
			for _, r := range page {
				ids = append(ids, r.ID)
			}
		case ResourceEvent:
			var page []*Event
			page, next, err = s.events.ListEvents(ctx, EventFilter{ListOptions: opts}, within(target, vis))
			for _, r := range page {
				ids = append(ids, r.ID)
			}
		}
		if err != nil {
			return nil, err
		}
		if next == "" {
			return ids, nil
		}
		opts.Cursor = next
	}
}

// Impact is what a change of policy does to one user's reach for one resource and action.
type Impact struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Role     Role     `json:"role"`
	Resource Resource `json:"resource"`
	Action   Action   `json:"action"`
	Before   []Scope  `json:"before"`
	After    []Scope  `json:"after"`
	// Target is the resource whose records are counted ("" when there is nothing to count:
	// creating a client or user, the audit log).
	Target Resource `json:"target,omitempty"`
	// Opened and Closed count the records of Target that the new policy reaches and the old
	// did not, and the other way round.
	Opened int `json:"opened"`
	Closed int `json:"closed"`
}

// String says the impact in one line, such as "support pat: +812 clients readable (scopes
// assigned -> any, assigned)".
func (i Impact) String() string {
	scopes := fmt.Sprintf("(scopes %s -> %s)", scopeList(i.Before), scopeList(i.After))
	if i.Target == "" {
		verb := "may now"
		if len(i.After) == 0 {
			verb = "may no longer"
		}
		return fmt.Sprintf("%s %s: %s %s %s records %s", i.Role, i.Username, verb, i.Action, i.Resource, scopes)
	}
	var parts []string
	if i.Opened > 0 {
		parts = append(parts, fmt.Sprintf("+%d", i.Opened))
	}
	if i.Closed > 0 {
		parts = append(parts, fmt.Sprintf("-%d", i.Closed))
	}
	if len(parts) == 0 {
		parts = append(parts, "no change to the")
	}
	what := map[Action]string{ActionRead: "readable", ActionUpdate: "updatable", ActionDelete: "deletable",
		ActionSign: "signable", ActionAssign: "whose contacts may be assigned"}[i.Action]
	if i.Action == ActionCreate {
		what = fmt.Sprintf("to create %ss for", i.Resource)
	}
	return fmt.Sprintf("%s %s: %s %ss %s %s", i.Role, i.Username, strings.Join(parts, " "), i.Target, what, scopes)
}

func scopeList(sc []Scope) string {
	if len(sc) == 0 {
		return "none"
	}
	return joinValues(sc)
}

// PolicyImpact tells, for each active user, what replacing the policy before by after would
// open or close: for every resource and action whose scopes change for their role, how many
// records the new scopes reach that the old did not, and the other way round (each found by
// the store with the same Visibility a list uses). It is a trusted call for operators.
func (s *Service) PolicyImpact(ctx context.Context, before, after Authorizer) ([]Impact, error) {
	users, err := s.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []Impact{}
	for _, u := range users {
		if !u.IsActive {
			continue
		}
		for _, res := range Resources {
			for _, act := range actionsOf(res) {
				old, nw := sensibleScopesOf(before, u.Role, res, act), sensibleScopesOf(after, u.Role, res, act)
				if slices.Equal(old, nw) {
					continue
				}
				imp := Impact{UserID: u.ID, Username: u.Username, Role: u.Role, Resource: res, Action: act,
					Before: nonNil(old), After: nonNil(nw), Target: countTarget(res, act)}
				if imp.Target != "" {
					was, err := s.reachIDs(ctx, imp.Target, scopesVisibility(u, old))
					if err != nil {
						return nil, err
					}
					is, err := s.reachIDs(ctx, imp.Target, scopesVisibility(u, nw))
					if err != nil {
						return nil, err
					}
					imp.Opened, imp.Closed = countMissing(is, was), countMissing(was, is)
				}
				out = append(out, imp)
			}
		}
	}
	return out, nil
}

// countMissing counts the ids of a (sorted) that b (sorted) lacks.
func countMissing(a, b []int64) int {
	n := 0
	for _, id := range a {
		if _, found := slices.BinarySearch(b, id); !found {
			n++
		}
	}
	return n
}

func nonNil(sc []Scope) []Scope {
	if sc == nil {
		return []Scope{}
	}
	return sc
}

// UserAccess says what one user may do to one record, and why.
type UserAccess struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// Read and Update report whether the user may read and change the record.
	Read   bool `json:"read"`
	Update bool `json:"update"`
	// ReadReason and UpdateReason say why, from the scope checks (see Explain).
	ReadReason   string `json:"read_reason"`
	UpdateReason string `json:"update_reason"`
	// ReadText and UpdateText are the reasons as formats and arguments, for a translation.
	ReadText   Text `json:"-"`
	UpdateText Text `json:"-"`
}

// RecordAccess answers "who can see this?" for the record id of res: each active user, whether
// they may read and update it, and why (see Explain). The acting user must be able to read the
// record (ENOTFOUND otherwise, as for a read) and every user account (management, by default;
// EFORBIDDEN otherwise), since the answer names every user.
func (s *Service) RecordAccess(ctx context.Context, res Resource, id int64) ([]UserAccess, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if countTarget(res, ActionRead) == "" {
		return nil, Errorf(EINVALID, "%s records have no id to ask about", res)
	}
	if _, err := s.find(ctx, res, id, s.visibility(a, res, ActionRead)); err != nil {
		return nil, err
	}
	if err := s.mayReview(ctx); err != nil {
		return nil, err
	}
	users, err := s.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []UserAccess{}
	for _, u := range users {
		if !u.IsActive {
			continue
		}
		read, err := s.Explain(ctx, u.ID, res, ActionRead, id)
		if err != nil {
			return nil, err
		}
		update, err := s.Explain(ctx, u.ID, res, ActionUpdate, id)
		if err != nil {
			return nil, err
		}
		readWhy, updateWhy := checkReason(read), checkReason(update)
		out = append(out, UserAccess{UserID: u.ID, Username: u.Username, Role: u.Role, Read: read.Allowed, Update: update.Allowed,
			ReadReason: readWhy.String(), UpdateReason: updateWhy.String(), ReadText: readWhy, UpdateText: updateWhy})
	}
	return out, nil
}

// checkReason sums up the checks of ex: the reasons of the scopes that reach the record when
// it is allowed, otherwise the summary and the reasons of the scopes that do not.
func checkReason(ex *Explanation) Text {
	var reach, miss []Text
	for _, c := range ex.Checks {
		if c.Action != ex.Action && ex.Allowed {
			continue
		}
		if c.Reaches {
			reach = append(reach, c.ReasonText)
		} else {
			miss = append(miss, c.ReasonText)
		}
	}
	if ex.Allowed {
		return joinTexts(reach, "%s; %s")
	}
	if len(miss) == 0 {
		return ex.ReasonText
	}
	return Textf("%s: %s", ex.ReasonText, joinTexts(miss, "%s; %s"))
}
