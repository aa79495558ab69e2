package crm

import (
	"context"
	"slices"
)

// Role is a user's team.
type Role string

// The three teams.
const (
	RoleManagement Role = "management"
	RoleSales      Role = "sales"
	RoleSupport    Role = "support"
)

// Roles lists every role, in display order.
var Roles = []Role{RoleManagement, RoleSales, RoleSupport}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Resource names a kind of record that permissions are given on.
type Resource string

// The resources of the permission model. ResourceAudit is the audit log (read only).
const (
	ResourceUser     Resource = "user"
	ResourceClient   Resource = "client"
	ResourceContract Resource = "contract"
	ResourceEvent    Resource = "event"
	ResourceAudit    Resource = "audit"
)

// Resources lists every resource.
var Resources = []Resource{ResourceUser, ResourceClient, ResourceContract, ResourceEvent, ResourceAudit}

// Action is something a user does to a record.
type Action string

// The actions of the permission model. ActionAssign sets a sales or support contact; ActionSign
// marks a contract signed.
const (
	ActionRead   Action = "read"
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
	ActionAssign Action = "assign"
	ActionSign   Action = "sign"
)

// Actions lists every action.
var Actions = []Action{ActionRead, ActionCreate, ActionUpdate, ActionDelete, ActionAssign, ActionSign}

// Scope narrows a permission to some records.
type Scope string

// The scopes. For create, a scope applies to the parent record: "create contract, own" means
// for a client whose sales contact is me; "create event, own" for a contract whose sales contact
// is me.
const (
	// ScopeAny is every record.
	ScopeAny Scope = "any"
	// ScopeOwn is a record whose sales_contact_id is the caller.
	ScopeOwn Scope = "own"
	// ScopeAssigned is an event whose support_contact_id is the caller, or a client or contract
	// that has such an event.
	ScopeAssigned Scope = "assigned"
	// ScopeSelf is the caller's own user record.
	ScopeSelf Scope = "self"
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeAny, ScopeOwn, ScopeAssigned, ScopeSelf}

// Authorizer tells which scopes a role has for an action on a resource; none means never. The
// policy package implements it from a Casbin model and policy file. Implementations must be
// safe for concurrent use.
//
// The Service trusts an Authorizer with who may do what, not with what the scopes mean: a
// scope that makes no sense for the resource and action (see SensibleScopes), or that is not
// one of Scopes, is ignored and grants nothing, whatever the Authorizer says.
type Authorizer interface {
	Scopes(role Role, res Resource, act Action) []Scope
}

// sensibleScopes lists, for each resource, the actions that exist for it and the scopes each of
// them may take. The Service applies a scope outside this table nowhere: it would either never
// take effect, or take effect more widely than it says (assign is checked on every record the
// role may already update or create, so "assign, own" would mean "assign, any" there).
var sensibleScopes = map[Resource]map[Action][]Scope{
	ResourceUser: {
		ActionRead:   {ScopeAny, ScopeSelf},
		ActionCreate: {ScopeAny},
		ActionUpdate: {ScopeAny, ScopeSelf},
		ActionDelete: {ScopeAny}, // nobody deletes their own account
	},
	ResourceClient: {
		ActionRead:   recordScopes,
		ActionCreate: {ScopeAny}, // a new client has no parent record to be own or assigned
		ActionUpdate: recordScopes,
		ActionDelete: recordScopes,
		ActionAssign: {ScopeAny},
	},
	ResourceContract: {
		ActionRead:   recordScopes,
		ActionCreate: recordScopes, // the scope applies to the client
		ActionUpdate: recordScopes,
		ActionDelete: recordScopes,
		ActionSign:   recordScopes,
		ActionAssign: {ScopeAny},
	},
	ResourceEvent: {
		ActionRead:   recordScopes,
		ActionCreate: recordScopes, // the scope applies to the contract
		ActionUpdate: recordScopes,
		ActionDelete: recordScopes,
		ActionAssign: {ScopeAny},
	},
	ResourceAudit: {
		ActionRead: {ScopeAny}, // the audit log is read as a whole
	},
}

// recordScopes are the scopes of clients, contracts and events, which have contacts.
var recordScopes = []Scope{ScopeAny, ScopeOwn, ScopeAssigned}

// SensibleScopes returns the scopes that make sense for act on res, in the order of Scopes, or
// nil when the action does not exist for the resource (only contracts are signed; users and the
// audit log have no contacts to assign; the audit log is only read). The Service ignores every
// other scope an Authorizer returns, and the policy package refuses a policy line that asks for
// one. The caller may keep and change the returned slice.
func SensibleScopes(res Resource, act Action) []Scope {
	return slices.Clone(sensibleScopes[res][act])
}

// ScopeMakesSense reports whether sc is one of SensibleScopes(res, act).
func ScopeMakesSense(res Resource, act Action, sc Scope) bool {
	return slices.Contains(sensibleScopes[res][act], sc)
}

// Visibility is a set of records expressed as conditions that a store turns into SQL. The
// conditions are OR-ed; a Visibility with none of them set matches no record.
//
//   - Any: every record, no clause.
//   - OwnerID: sales_contact_id = OwnerID.
//   - SupportID: for events support_contact_id = SupportID; for clients and contracts, the
//     record has such an event.
//   - SelfID: for users, id = SelfID.
type Visibility struct {
	Any       bool
	OwnerID   *int64
	SupportID *int64
	SelfID    *int64
}

// None reports whether v matches no record at all.
func (v Visibility) None() bool {
	return !v.Any && v.OwnerID == nil && v.SupportID == nil && v.SelfID == nil
}

// Everything is the Visibility of every record, for trusted internal calls.
var Everything = Visibility{Any: true}

// Access is one caller's read scope over every resource: the Visibility of each. A store's list
// or count returns the records of its resource within that resource's Visibility, and a filter,
// search or sort on the fields of another resource (a contract's client_email, say) reaches only
// the records of that resource within its own Visibility: a record outside the caller's read
// scope matches nothing, so it cannot be found by probing a related list. A resource whose
// Visibility is the zero value is one the caller reads nothing of.
type Access struct {
	Users, Clients, Contracts, Events Visibility
}

// FullAccess reaches every record of every resource, for trusted internal calls and tests.
var FullAccess = Access{Users: Everything, Clients: Everything, Contracts: Everything, Events: Everything}

// Of returns the Visibility of res in a; the zero Visibility (no record) for a resource that has
// none (the audit log).
func (a Access) Of(res Resource) Visibility {
	switch res {
	case ResourceUser:
		return a.Users
	case ResourceClient:
		return a.Clients
	case ResourceContract:
		return a.Contracts
	case ResourceEvent:
		return a.Events
	}
	return Visibility{}
}

// ReadAccess returns the read scope of user u under authz over every resource: what the Service
// passes a store's list and count for u. Returns the Access whose Visibility of each resource is
// the one u's read permission on it gives (the zero Visibility when u may read none of it);
// like the Service, it ignores a scope that makes no sense for reading the resource.
func ReadAccess(authz Authorizer, u *User) Access {
	return Access{
		Users:     visibilityOf(authz, u, ResourceUser, ActionRead),
		Clients:   visibilityOf(authz, u, ResourceClient, ActionRead),
		Contracts: visibilityOf(authz, u, ResourceContract, ActionRead),
		Events:    visibilityOf(authz, u, ResourceEvent, ActionRead),
	}
}

// scopes returns the scopes the Authorizer gives role for (res, act) that make sense for them,
// each once, in the order of Scopes. Any other scope is dropped: it grants nothing (fail closed).
func (s *Service) scopes(role Role, res Resource, act Action) []Scope {
	return sensibleScopesOf(s.authz, role, res, act)
}

// sensibleScopesOf returns the scopes authz gives role for (res, act) that make sense for them,
// each once, in the order of Scopes.
func sensibleScopesOf(authz Authorizer, role Role, res Resource, act Action) []Scope {
	given := authz.Scopes(role, res, act)
	if len(given) == 0 {
		return nil
	}
	var out []Scope
	for _, sc := range sensibleScopes[res][act] {
		if slices.Contains(given, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// visibility turns the caller's scopes for (res, act) into a Visibility.
func (s *Service) visibility(a *User, res Resource, act Action) Visibility {
	return visibilityOf(s.authz, a, res, act)
}

// readAccess returns the caller's read scope over every resource, for a list or count.
func (s *Service) readAccess(a *User) Access { return ReadAccess(s.authz, a) }

// visibilityOf turns the sensible scopes authz gives a for (res, act) into a Visibility.
func visibilityOf(authz Authorizer, a *User, res Resource, act Action) Visibility {
	return scopesVisibility(a, sensibleScopesOf(authz, a.Role, res, act))
}

// scopesVisibility turns scopes of the user a into a Visibility.
func scopesVisibility(a *User, scopes []Scope) Visibility {
	var v Visibility
	for _, sc := range scopes {
		id := a.ID
		switch sc {
		case ScopeAny:
			v.Any = true
		case ScopeOwn:
			v.OwnerID = &id
		case ScopeAssigned:
			v.SupportID = &id
		case ScopeSelf:
			v.SelfID = &id
		}
	}
	return v
}

// allowed reports whether the caller has any scope at all for (res, act).
func (s *Service) allowed(a *User, res Resource, act Action) bool {
	return len(s.scopes(a.Role, res, act)) > 0
}

type actorKey struct{}

// NewContext returns a context that carries the acting user. Every Service method takes the
// actor from its context; adapters set it once they have authenticated the caller.
func NewContext(ctx context.Context, actor *User) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the acting user of ctx, or nil.
func ActorFrom(ctx context.Context) *User {
	u, _ := ctx.Value(actorKey{}).(*User)
	return u
}

// actor returns the acting user, or EUNAUTHORIZED when there is none or it is deactivated.
func actor(ctx context.Context) (*User, error) {
	u := ActorFrom(ctx)
	if u == nil || !u.IsActive {
		return nil, Errorf(EUNAUTHORIZED, "authentication required")
	}
	return u, nil
}

// Can reports whether the actor of ctx has any scope for (res, act): what a user interface asks
// to decide which buttons and fields to offer. The record-level check is still made when the
// action is taken.
func (s *Service) Can(ctx context.Context, res Resource, act Action) bool {
	a := ActorFrom(ctx)
	return a != nil && a.IsActive && s.allowed(a, res, act)
}

// Permissions returns, for the actor of ctx, every (resource, action) with the scopes it has.
func (s *Service) Permissions(ctx context.Context) map[Resource]map[Action][]Scope {
	a := ActorFrom(ctx)
	out := map[Resource]map[Action][]Scope{}
	if a == nil {
		return out
	}
	for _, res := range Resources {
		for _, act := range Actions {
			if sc := s.scopes(a.Role, res, act); len(sc) > 0 {
				if out[res] == nil {
					out[res] = map[Action][]Scope{}
				}
				out[res][act] = sc
			}
		}
	}
	return out
}

// Allows reports whether the acting user's permission for act on res reaches the record with id:
// what a user interface asks before offering an edit, delete or sign button on a record page, so
// that it offers only what the policy allows on that very record. For ActionCreate, id names the
// parent the new record would belong to (a client for a contract, a contract for an event); a
// client or user has no parent, so for them the answer is whether the user may create at all.
// Field rules (who may set which field) are still checked when the action is taken.
func (s *Service) Allows(ctx context.Context, res Resource, act Action, id int64) (bool, error) {
	a, err := actor(ctx)
	if err != nil {
		return false, nil
	}
	vis := s.visibility(a, res, act)
	switch {
	case vis.None():
		return false, nil
	case vis.Any:
		return true, nil
	}
	if act == ActionCreate {
		switch res {
		case ResourceContract:
			res = ResourceClient
		case ResourceEvent:
			res = ResourceContract
		default:
			return true, nil
		}
	}
	switch res {
	case ResourceUser:
		_, err = s.users.FindUser(ctx, id, vis)
	case ResourceClient:
		_, err = s.clients.FindClient(ctx, id, vis)
	case ResourceContract:
		_, err = s.contracts.FindContract(ctx, id, vis)
	case ResourceEvent:
		_, err = s.events.FindEvent(ctx, id, vis)
	default:
		return false, nil
	}
	if ErrorCode(err) == ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

// WriteScope is the scope of a write (update, delete, sign) on one record: what the store checks
// under the lock it takes on the record, in the one read of the record that the write makes. A
// record outside Read is ENOTFOUND (the caller cannot tell it from a missing one); a record
// within Read but outside Write is ErrNotWritable (EFORBIDDEN), and the update function is not
// called, so nothing is written, not even an audit entry.
type WriteScope struct {
	// Read is the caller's read scope of the resource.
	Read Visibility
	// Write is the caller's scope of the action (update, delete, sign) on the resource.
	Write Visibility
}

// EveryWrite reaches every record, for trusted internal writes (a user changing their own
// password, say).
var EveryWrite = WriteScope{Read: Everything, Write: Everything}

// ErrNotWritable is what a store returns for a write on a record within the WriteScope's Read but
// outside its Write. The Service turns it into an EFORBIDDEN that names the action.
var ErrNotWritable error = &Error{Code: EFORBIDDEN, Message: "the record is outside the scope of this write"}

// writeScope returns the caller's WriteScope for act on res.
func (s *Service) writeScope(a *User, res Resource, act Action) WriteScope {
	return WriteScope{Read: s.visibility(a, res, ActionRead), Write: s.visibility(a, res, act)}
}
