package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

func TestSensibleScopes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []crm.Scope{crm.ScopeAny, crm.ScopeSelf}, crm.SensibleScopes(crm.ResourceUser, crm.ActionRead))
	assert.Equal(t, []crm.Scope{crm.ScopeAny}, crm.SensibleScopes(crm.ResourceUser, crm.ActionDelete), "nobody deletes their own account")
	assert.Equal(t, []crm.Scope{crm.ScopeAny, crm.ScopeOwn, crm.ScopeAssigned}, crm.SensibleScopes(crm.ResourceContract, crm.ActionSign))
	assert.Equal(t, []crm.Scope{crm.ScopeAny}, crm.SensibleScopes(crm.ResourceClient, crm.ActionCreate))
	assert.Equal(t, []crm.Scope{crm.ScopeAny, crm.ScopeOwn, crm.ScopeAssigned}, crm.SensibleScopes(crm.ResourceEvent, crm.ActionCreate))
	for _, res := range []crm.Resource{crm.ResourceClient, crm.ResourceContract, crm.ResourceEvent} {
		assert.Equal(t, []crm.Scope{crm.ScopeAny}, crm.SensibleScopes(res, crm.ActionAssign), res)
	}
	assert.Nil(t, crm.SensibleScopes(crm.ResourceClient, crm.ActionSign), "only contracts are signed")
	assert.Nil(t, crm.SensibleScopes(crm.ResourceUser, crm.ActionAssign), "users have no contacts")
	assert.Nil(t, crm.SensibleScopes(crm.ResourceAudit, crm.ActionUpdate), "the audit log is only read")
	assert.Nil(t, crm.SensibleScopes("invoice", crm.ActionRead))

	assert.True(t, crm.ScopeMakesSense(crm.ResourceUser, crm.ActionUpdate, crm.ScopeSelf))
	assert.False(t, crm.ScopeMakesSense(crm.ResourceClient, crm.ActionRead, crm.ScopeSelf))
	assert.False(t, crm.ScopeMakesSense(crm.ResourceEvent, crm.ActionAssign, crm.ScopeAssigned))
	assert.False(t, crm.ScopeMakesSense(crm.ResourceClient, crm.ActionRead, "everything"))

	got := crm.SensibleScopes(crm.ResourceAudit, crm.ActionRead)
	got[0] = crm.ScopeOwn
	assert.Equal(t, []crm.Scope{crm.ScopeAny}, crm.SensibleScopes(crm.ResourceAudit, crm.ActionRead), "the caller gets a copy")

	// Every scope the default policy of the tests uses makes sense.
	for role, byRes := range defaultMatrix() {
		for res, byAct := range byRes {
			for act, scopes := range byAct {
				for _, sc := range scopes {
					assert.True(t, crm.ScopeMakesSense(res, act, sc), "%s %s %s %s", role, res, act, sc)
				}
			}
		}
	}
}

// TestNonsenseScopesGrantNothing runs the Service with an Authorizer that answers scopes that
// make no sense for the action: the Service ignores them, so they grant nothing, while the
// sensible scopes given alongside still apply.
func TestNonsenseScopesGrantNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sales, support := w.authz[crm.RoleSales], w.authz[crm.RoleSupport]
	// "assign, own" would otherwise let sales hand their clients and contracts to anyone, since
	// assign is checked on records the role may already update.
	sales[crm.ResourceClient][crm.ActionAssign] = own
	sales[crm.ResourceContract][crm.ActionAssign] = own
	// A new client has no parent record: "create, own" is nonsense, and so is an unknown scope.
	sales[crm.ResourceClient][crm.ActionCreate] = []crm.Scope{crm.ScopeOwn, "everything"}
	// Sensible and nonsensical scopes together: only "own" applies.
	sales[crm.ResourceEvent][crm.ActionRead] = []crm.Scope{crm.ScopeSelf, crm.ScopeOwn, crm.ScopeOwn, "everything"}
	support[crm.ResourceEvent][crm.ActionAssign] = assigned
	support[crm.ResourceUser][crm.ActionRead] = []crm.Scope{crm.ScopeOwn, crm.ScopeAssigned}
	support[crm.ResourceAudit] = map[crm.Action][]crm.Scope{crm.ActionRead: assigned}
	support[crm.ResourceClient][crm.ActionSign] = any_

	_, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	requireCode(t, err, crm.EFORBIDDEN)
	assert.Equal(t, []string{"sales_contact_id"}, fieldsOf(err))
	_, err = w.svc.UpdateContract(w.ctxS1, w.K1.ID, crm.ContractInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	requireCode(t, err, crm.EFORBIDDEN)
	assert.Equal(t, []string{"sales_contact_id"}, fieldsOf(err))
	_, err = w.svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Lee"), Email: crm.Some("ann@lee.example")})
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.AssignSupport(w.ctxP1, w.E1.ID, &w.P2.ID, 0)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.GetUser(w.ctxP1, w.S1.ID)
	requireCode(t, err, crm.ENOTFOUND)
	_, _, err = w.svc.ListAudit(w.ctxP1, crm.AuditFilter{})
	requireCode(t, err, crm.EFORBIDDEN)

	_, err = w.svc.GetEvent(w.ctxS1, w.E1.ID)
	require.NoError(t, err, "the sensible scope given with nonsense still applies")
	_, err = w.svc.GetEvent(w.ctxS2, w.E1.ID)
	requireCode(t, err, crm.ENOTFOUND)

	assert.False(t, w.svc.Can(w.ctxS1, crm.ResourceClient, crm.ActionAssign))
	assert.False(t, w.svc.Can(w.ctxS1, crm.ResourceClient, crm.ActionCreate))
	assert.False(t, w.svc.Can(w.ctxP1, crm.ResourceClient, crm.ActionSign))
	allowed, err := w.svc.Allows(w.ctxS1, crm.ResourceContract, crm.ActionAssign, w.K1.ID)
	require.NoError(t, err)
	assert.False(t, allowed)
	p := w.svc.Permissions(w.ctxS1)
	assert.NotContains(t, p[crm.ResourceClient], crm.ActionAssign)
	assert.NotContains(t, p[crm.ResourceClient], crm.ActionCreate)
	assert.Equal(t, own, p[crm.ResourceEvent][crm.ActionRead], "each sensible scope once")
	assert.NotContains(t, w.svc.Permissions(w.ctxP1), crm.ResourceAudit)

	// The same record, with the same Authorizer answering sense: the action is allowed, so the
	// refusals above came from the scopes, not from elsewhere.
	sales[crm.ResourceClient][crm.ActionAssign] = any_
	_, err = w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	require.NoError(t, err)
}
