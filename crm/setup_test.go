package crm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// matrix is SPEC section 4's default table, written out by hand for the fake Authorizer.
type matrix map[crm.Role]map[crm.Resource]map[crm.Action][]crm.Scope

func (m matrix) Scopes(r crm.Role, res crm.Resource, act crm.Action) []crm.Scope {
	return m[r][res][act]
}

var (
	any_     = []crm.Scope{crm.ScopeAny}
	own      = []crm.Scope{crm.ScopeOwn}
	assigned = []crm.Scope{crm.ScopeAssigned}
	self     = []crm.Scope{crm.ScopeSelf}
)

func defaultMatrix() matrix {
	return matrix{
		crm.RoleManagement: {
			crm.ResourceUser:     {crm.ActionRead: any_, crm.ActionCreate: any_, crm.ActionUpdate: any_, crm.ActionDelete: any_},
			crm.ResourceClient:   {crm.ActionRead: any_, crm.ActionCreate: any_, crm.ActionUpdate: any_, crm.ActionDelete: any_, crm.ActionAssign: any_},
			crm.ResourceContract: {crm.ActionRead: any_, crm.ActionCreate: any_, crm.ActionUpdate: any_, crm.ActionDelete: any_, crm.ActionSign: any_, crm.ActionAssign: any_},
			crm.ResourceEvent:    {crm.ActionRead: any_, crm.ActionCreate: any_, crm.ActionUpdate: any_, crm.ActionDelete: any_, crm.ActionAssign: any_},
			crm.ResourceAudit:    {crm.ActionRead: any_},
		},
		crm.RoleSales: {
			crm.ResourceUser:     {crm.ActionRead: self, crm.ActionUpdate: self},
			crm.ResourceClient:   {crm.ActionRead: own, crm.ActionUpdate: own, crm.ActionCreate: any_},
			crm.ResourceContract: {crm.ActionRead: own, crm.ActionUpdate: own, crm.ActionSign: own, crm.ActionCreate: own},
			crm.ResourceEvent:    {crm.ActionRead: own, crm.ActionCreate: own},
		},
		crm.RoleSupport: {
			crm.ResourceUser:     {crm.ActionRead: self, crm.ActionUpdate: self},
			crm.ResourceClient:   {crm.ActionRead: assigned},
			crm.ResourceContract: {crm.ActionRead: assigned},
			crm.ResourceEvent:    {crm.ActionRead: assigned, crm.ActionUpdate: assigned},
		},
	}
}

// fakePasswords "hashes" by prefixing, and refuses short, common and username-like passwords.
type fakePasswords struct{}

func (fakePasswords) Hash(pw string) (string, error) { return "h1:" + pw, nil }

func (fakePasswords) Verify(hash, pw string) (bool, bool) {
	for _, prefix := range []string{"h1:", "h0:"} {
		if hash == prefix+pw {
			return true, prefix == "h0:"
		}
	}
	return false, false
}

func (fakePasswords) Validate(pw string, u *crm.User) []crm.PasswordProblem {
	var out []crm.PasswordProblem
	if len(pw) < 8 {
		out = append(out, crm.PasswordProblem{Reason: crm.PasswordTooShort, Args: []string{"8"}, Message: "too short."})
	}
	if pw == "password123" {
		out = append(out, crm.PasswordProblem{Reason: crm.PasswordTooCommon, Message: "too common."})
	}
	if u.Username != "" && strings.Contains(pw, u.Username) {
		out = append(out, crm.PasswordProblem{Reason: crm.PasswordTooSimilar, Args: []string{"username"}, Message: "too similar to the username."})
	}
	if pw == "custom-rule" {
		out = append(out, crm.PasswordProblem{Reason: "house_rule", Message: "breaks a house rule."})
	}
	return out
}

// world is a Service over a fake store with the default matrix, and the cast of SPEC's process:
// M (management), S1 and S2 (sales), P1 and P2 (support), client C1 of S1, contract K1 on C1
// (signed), and event E1 on K1 supported by P1.
type world struct {
	svc          *crm.Service
	store        *memStore
	now          time.Time
	M, S1, S2    *crm.User
	P1, P2       *crm.User
	C1           *crm.Client
	K1           *crm.Contract
	E1           *crm.Event
	authz        matrix
	ctxM, ctxS1  context.Context
	ctxS2, ctxP1 context.Context
	ctxP2        context.Context
}

const goodPassword = "correct-horse-battery"

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{store: newMemStore(), now: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC), authz: defaultMatrix()}
	deps := crm.Deps{Users: w.store, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: w.store, Authorizer: w.authz, Passwords: fakePasswords{}, Now: func() time.Time { return w.now }, Tx: w.store}
	w.svc = crm.New(deps)
	ctx := context.Background()
	var err error
	w.M, err = w.svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("boss"), Email: crm.Some("boss@epic.example"), Password: crm.Some(goodPassword)})
	require.NoError(t, err)
	w.ctxM = crm.NewContext(ctx, w.M)
	mk := func(name string, role crm.Role) (*crm.User, context.Context) {
		u, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some(name), Email: crm.Some(name + "@epic.example"),
			Role: crm.Some(role), Password: crm.Some(goodPassword), FirstName: crm.Some(strings.ToUpper(name[:1]) + name[1:])})
		require.NoError(t, err)
		return u, crm.NewContext(ctx, u)
	}
	w.S1, w.ctxS1 = mk("sam", crm.RoleSales)
	w.S2, w.ctxS2 = mk("sue", crm.RoleSales)
	w.P1, w.ctxP1 = mk("pat", crm.RoleSupport)
	w.P2, w.ctxP2 = mk("pia", crm.RoleSupport)
	w.C1, err = w.svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some("Kevin"), LastName: crm.Some("Casey"),
		Email: crm.Some("kevin@startup.example"), Company: crm.Some("Cool Startup LLC")})
	require.NoError(t, err)
	w.K1, err = w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(1500000))})
	require.NoError(t, err)
	w.K1, err = w.svc.SignContract(w.ctxS1, w.K1.ID, 0)
	require.NoError(t, err)
	w.E1, err = w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("Launch party"),
		EventDate: crm.Some(time.Date(2027, 6, 4, 13, 0, 0, 0, time.UTC)), Attendees: crm.Some(75)})
	require.NoError(t, err)
	w.E1, err = w.svc.AssignSupport(w.ctxM, w.E1.ID, &w.P1.ID, 0)
	require.NoError(t, err)
	w.C1, err = w.svc.GetClient(w.ctxM, w.C1.ID)
	require.NoError(t, err)
	return w
}

// requireCode fails the test unless err carries the code.
func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, crm.ErrorCode(err), "error: %v", err)
}

// fieldsOf returns the names of the fields an error lists.
func fieldsOf(err error) []string {
	var out []string
	for _, f := range crm.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}
