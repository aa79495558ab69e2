package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestExplainGeneral explains permissions without a record, and refuses bad questions.
func TestExplainGeneral(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ex, err := w.svc.Explain(ctx, w.S1.ID, crm.ResourceClient, crm.ActionUpdate, 0)
	require.NoError(t, err)
	assert.True(t, ex.Allowed)
	assert.Equal(t, []crm.Scope{crm.ScopeOwn}, ex.Scopes)
	assert.Equal(t, "sam may update client records within own (clients whose sales contact is sam)", ex.Reason)
	assert.Empty(t, ex.Grants, "the matrix of the tests cannot name policy lines")
	require.Len(t, ex.Fields, 1)
	assert.Equal(t, crm.FieldRule{Field: "sales_contact_id", Allowed: false,
		Rule: "only a user who may assign contacts may set it (assign on client)", Roles: []crm.Role{crm.RoleManagement}}, ex.Fields[0])

	ex, err = w.svc.Explain(ctx, w.P1.ID, crm.ResourceClient, crm.ActionDelete, 0)
	require.NoError(t, err)
	assert.False(t, ex.Allowed)
	assert.Equal(t, "the policy gives support no permission to delete client records", ex.Reason)

	_, err = w.svc.Explain(ctx, w.S1.ID, crm.ResourceClient, crm.ActionSign, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.Explain(ctx, w.S1.ID, "clients", crm.ActionRead, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.Explain(ctx, 999, crm.ResourceClient, crm.ActionRead, 0)
	requireCode(t, err, crm.ENOTFOUND)
	_, err = w.svc.Explain(ctx, w.S1.ID, crm.ResourceClient, crm.ActionRead, 999)
	requireCode(t, err, crm.ENOTFOUND)
	_, err = w.svc.Explain(ctx, w.S1.ID, crm.ResourceClient, crm.ActionCreate, w.C1.ID)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.Explain(ctx, w.M.ID, crm.ResourceAudit, crm.ActionRead, 1)
	requireCode(t, err, crm.EINVALID)
}

// TestExplainDeactivated says that a deactivated user may do nothing, whatever their role.
func TestExplainDeactivated(t *testing.T) {
	w := newWorld(t)
	_, err := w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	ex, err := w.svc.Explain(context.Background(), w.S1.ID, crm.ResourceClient, crm.ActionRead, w.C1.ID)
	require.NoError(t, err)
	assert.False(t, ex.Allowed)
	assert.Contains(t, ex.Reason, "sam is deactivated")
	assert.True(t, ex.Checks[0].Reaches, "the scope still reaches the record; the account does not")
}

// TestPolicyImpact counts the records a change of policy opens and closes per user.
func TestPolicyImpact(t *testing.T) {
	w := newWorld(t)
	_, err := w.svc.CreateClient(w.ctxS2, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Other"),
		Email: crm.Some("ann@other.example"), Company: crm.Some("Other")})
	require.NoError(t, err)
	after := defaultMatrix()
	after[crm.RoleSupport][crm.ResourceClient][crm.ActionRead] = any_
	imp, err := w.svc.PolicyImpact(context.Background(), defaultMatrix(), after)
	require.NoError(t, err)
	require.Len(t, imp, 2, "one line per support user")
	assert.Equal(t, "support pat: +1 clients readable (scopes assigned -> any)", imp[0].String(), "pat already read C1")
	assert.Equal(t, "support pia: +2 clients readable (scopes assigned -> any)", imp[1].String())
	imp, err = w.svc.PolicyImpact(context.Background(), after, defaultMatrix())
	require.NoError(t, err)
	assert.Equal(t, 1, imp[0].Closed)
	assert.Equal(t, "support pat: -1 clients readable (scopes any -> assigned)", imp[0].String())
	none, err := w.svc.PolicyImpact(context.Background(), defaultMatrix(), defaultMatrix())
	require.NoError(t, err)
	assert.Empty(t, none)
}

// TestAccessReviewOnTheFakeStore counts the records each permission reaches; a store that
// cannot count credentials says so.
func TestAccessReviewOnTheFakeStore(t *testing.T) {
	w := newWorld(t)
	rev, err := w.svc.AccessReview(context.Background())
	require.NoError(t, err)
	assert.False(t, rev.CredentialsChecked)
	one := 1
	assert.Contains(t, rev.Rows, crm.AccessRow{UserID: w.P1.ID, Username: "pat", Role: crm.RoleSupport, Resource: crm.ResourceEvent,
		Action: crm.ActionUpdate, Scopes: []crm.Scope{crm.ScopeAssigned}, Target: crm.ResourceEvent, Records: &one})
	zero := 0
	assert.Contains(t, rev.Rows, crm.AccessRow{UserID: w.P2.ID, Username: "pia", Role: crm.RoleSupport, Resource: crm.ResourceClient,
		Action: crm.ActionRead, Scopes: []crm.Scope{crm.ScopeAssigned}, Target: crm.ResourceClient, Records: &zero})
	_, err = w.svc.ReviewAccess(w.ctxP1)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.RecordAccess(w.ctxS2, crm.ResourceClient, w.C1.ID)
	requireCode(t, err, crm.ENOTFOUND)
	_, err = w.svc.RecordAccess(w.ctxS1, crm.ResourceClient, w.C1.ID)
	requireCode(t, err, crm.EFORBIDDEN)
	access, err := w.svc.RecordAccess(w.ctxM, crm.ResourceClient, w.C1.ID)
	require.NoError(t, err)
	assert.Len(t, access, 5)
}
