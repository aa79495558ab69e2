package crm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestReadScopes checks SPEC section 4's first rule: a record outside the caller's read scope
// does not exist for them (ENOTFOUND), for every resource and role.
func TestReadScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	type get func(ctx context.Context) error
	getClient := func(ctx context.Context) error { _, err := w.svc.GetClient(ctx, w.C1.ID); return err }
	getContract := func(ctx context.Context) error { _, err := w.svc.GetContract(ctx, w.K1.ID); return err }
	getEvent := func(ctx context.Context) error { _, err := w.svc.GetEvent(ctx, w.E1.ID); return err }
	getS1 := func(ctx context.Context) error { _, err := w.svc.GetUser(ctx, w.S1.ID); return err }
	cases := []struct {
		name string
		ctx  context.Context
		get  get
		want string
	}{
		{"management reads client", w.ctxM, getClient, ""},
		{"owner reads client", w.ctxS1, getClient, ""},
		{"other sales cannot see client", w.ctxS2, getClient, crm.ENOTFOUND},
		{"assigned support reads client", w.ctxP1, getClient, ""},
		{"other support cannot see client", w.ctxP2, getClient, crm.ENOTFOUND},
		{"owner reads contract", w.ctxS1, getContract, ""},
		{"other sales cannot see contract", w.ctxS2, getContract, crm.ENOTFOUND},
		{"assigned support reads contract", w.ctxP1, getContract, ""},
		{"other support cannot see contract", w.ctxP2, getContract, crm.ENOTFOUND},
		{"owner reads event", w.ctxS1, getEvent, ""},
		{"other sales cannot see event", w.ctxS2, getEvent, crm.ENOTFOUND},
		{"assigned support reads event", w.ctxP1, getEvent, ""},
		{"other support cannot see event", w.ctxP2, getEvent, crm.ENOTFOUND},
		{"management reads a user", w.ctxM, getS1, ""},
		{"a user reads themselves", w.ctxS1, getS1, ""},
		{"sales cannot see another user", w.ctxS2, getS1, crm.ENOTFOUND},
		{"support cannot see another user", w.ctxP1, getS1, crm.ENOTFOUND},
		{"anonymous is unauthorized", context.Background(), getClient, crm.EUNAUTHORIZED},
	}
	for _, c := range cases {
		err := c.get(c.ctx)
		if c.want == "" {
			assert.NoError(t, err, c.name)
		} else {
			assert.Equal(t, c.want, crm.ErrorCode(err), c.name)
		}
	}
	_, err := w.svc.GetClient(w.ctxM, 9999)
	requireCode(t, err, crm.ENOTFOUND)
}

// TestWriteScopes checks that a readable record the caller may not change is EFORBIDDEN, and one
// they cannot read is ENOTFOUND, before anything is written.
func TestWriteScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rename := crm.ClientInput{Company: crm.Some("Renamed")}
	_, err := w.svc.UpdateClient(w.ctxP1, w.C1.ID, rename, 0)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.UpdateClient(w.ctxS2, w.C1.ID, rename, 0)
	requireCode(t, err, crm.ENOTFOUND)
	_, err = w.svc.UpdateClient(w.ctxS1, w.C1.ID, rename, 0)
	require.NoError(t, err)

	requireCode(t, w.svc.DeleteClient(w.ctxS1, w.C1.ID, 0), crm.EFORBIDDEN)
	requireCode(t, w.svc.DeleteContract(w.ctxS1, w.K1.ID, 0), crm.EFORBIDDEN)
	requireCode(t, w.svc.DeleteEvent(w.ctxP1, w.E1.ID, 0), crm.EFORBIDDEN)
	requireCode(t, w.svc.DeleteEvent(w.ctxP2, w.E1.ID, 0), crm.ENOTFOUND)
	requireCode(t, w.svc.DeleteUser(w.ctxS1, w.S1.ID, 0), crm.EFORBIDDEN)
	requireCode(t, w.svc.DeleteUser(w.ctxS1, w.S2.ID, 0), crm.ENOTFOUND)

	_, err = w.svc.UpdateEvent(w.ctxS1, w.E1.ID, crm.EventInput{Notes: crm.Some("x")}, 0)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.UpdateEvent(w.ctxP2, w.E1.ID, crm.EventInput{Notes: crm.Some("x")}, 0)
	requireCode(t, err, crm.ENOTFOUND)
	e, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Notes: crm.Some("Bring a DJ"), Attendees: crm.Some(80)}, 0)
	require.NoError(t, err)
	assert.Equal(t, "Bring a DJ", e.Notes)
	assert.Equal(t, 80, e.Attendees)

	_, err = w.svc.UpdateContract(w.ctxP1, w.K1.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(0))}, 0)
	requireCode(t, err, crm.EFORBIDDEN)

	// Nothing the refused calls tried was written.
	c, err := w.svc.GetClient(w.ctxM, w.C1.ID)
	require.NoError(t, err)
	assert.Equal(t, "Renamed", c.Company)
	k, err := w.svc.GetContract(w.ctxM, w.K1.ID)
	require.NoError(t, err)
	assert.Equal(t, w.K1.AmountDue, k.AmountDue)
}

// TestCreatePermissions checks who may create what, and that create scopes apply to the parent.
func TestCreatePermissions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	newClient := crm.ClientInput{FirstName: crm.Some("A"), LastName: crm.Some("B"), Email: crm.Some("a@b.example")}
	_, err := w.svc.CreateClient(w.ctxP1, newClient)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.CreateUser(w.ctxS1, crm.UserInput{Username: crm.Some("x"), Email: crm.Some("x@x.example"), Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.CreateContract(w.ctxP1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.CreateEvent(w.ctxP1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("x"), EventDate: crm.Some(w.now)})
	requireCode(t, err, crm.EFORBIDDEN)

	// Sales create contracts for their own clients only; another's client does not exist for them.
	k, err := w.svc.CreateContract(w.ctxS1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	assert.Equal(t, w.S1.ID, *k.SalesContactID, "a new contract's sales contact defaults to its client's")
	_, err = w.svc.CreateContract(w.ctxS2, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"client_id"}, fieldsOf(err))

	// Sales create events for their own signed contracts only.
	_, err = w.svc.CreateEvent(w.ctxS2, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("x"), EventDate: crm.Some(w.now)})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"contract_id"}, fieldsOf(err))

	// A policy where sales read every client but create contracts only for their own ones.
	w.authz[crm.RoleSales][crm.ResourceClient][crm.ActionRead] = any_
	_, err = w.svc.CreateContract(w.ctxS2, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	requireCode(t, err, crm.EFORBIDDEN)
	assert.Equal(t, []string{"client_id"}, fieldsOf(err))
}

// TestForbiddenFields checks that a field the caller may not set is refused naming it, never
// silently ignored or applied.
func TestForbiddenFields(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"sales reassigns their client", func() error {
			_, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
			return err
		}, "sales_contact_id"},
		{"sales clears their client's contact", func() error {
			_, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some[*int64](nil)}, 0)
			return err
		}, "sales_contact_id"},
		{"sales creates a client for someone else", func() error {
			_, err := w.svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some("A"), LastName: crm.Some("B"), Email: crm.Some("a@b.example"), SalesContactID: crm.Some(&w.S2.ID)})
			return err
		}, "sales_contact_id"},
		{"sales reassigns their contract", func() error {
			_, err := w.svc.UpdateContract(w.ctxS1, w.K1.ID, crm.ContractInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
			return err
		}, "sales_contact_id"},
		{"support reassigns their event", func() error {
			_, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{SupportContactID: crm.Some(&w.P2.ID)}, 0)
			return err
		}, "support_contact_id"},
		{"sales assigns support when creating an event", func() error {
			_, err := w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("x"), EventDate: crm.Some(w.now), SupportContactID: crm.Some(&w.P2.ID)})
			return err
		}, "support_contact_id"},
		{"sales assigns support through AssignSupport", func() error {
			_, err := w.svc.AssignSupport(w.ctxS1, w.E1.ID, &w.P2.ID, 0)
			return err
		}, "support_contact_id"},
		{"sales promotes themselves", func() error {
			_, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{Role: crm.Some(crm.RoleManagement)}, 0)
			return err
		}, "role"},
		{"management changes their own role", func() error {
			_, err := w.svc.UpdateUser(w.ctxM, w.M.ID, crm.UserInput{Role: crm.Some(crm.RoleSales)}, 0)
			return err
		}, "role"},
		{"support deactivates themselves", func() error {
			_, err := w.svc.UpdateUser(w.ctxP1, w.P1.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
			return err
		}, "is_active"},
		{"a user sets their password without the current one", func() error {
			_, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{Password: crm.Some("another-good-one")}, 0)
			return err
		}, "password"},
		{"sales signs another's contract via status", func() error {
			w.authz[crm.RoleSales][crm.ResourceContract][crm.ActionUpdate] = any_
			w.authz[crm.RoleSales][crm.ResourceContract][crm.ActionRead] = any_
			defer func() {
				w.authz[crm.RoleSales][crm.ResourceContract][crm.ActionUpdate] = own
				w.authz[crm.RoleSales][crm.ResourceContract][crm.ActionRead] = own
			}()
			k, err := w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(5)), SalesContactID: crm.Some(&w.S2.ID)})
			require.NoError(t, err)
			_, err = w.svc.UpdateContract(w.ctxS1, k.ID, crm.ContractInput{Status: crm.Some(crm.ContractSigned)}, 0)
			return err
		}, "status"},
	}
	for _, c := range cases {
		err := c.call()
		require.Equal(t, crm.EFORBIDDEN, crm.ErrorCode(err), "%s: %v", c.name, err)
		assert.Equal(t, []string{c.field}, fieldsOf(err), c.name)
		assert.Contains(t, crm.ErrorMessage(err), c.field, c.name)
	}
	// Setting a field to the value it already has is no change, so it is allowed.
	_, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S1.ID)}, 0)
	assert.NoError(t, err)
	c, _ := w.svc.GetClient(w.ctxM, w.C1.ID)
	assert.Equal(t, w.S1.ID, *c.SalesContactID)
	u, _ := w.svc.GetUser(w.ctxM, w.S1.ID)
	assert.Equal(t, crm.RoleSales, u.Role)
}

// TestListScopes checks that lists ask the store for the caller's read scope only.
func TestListScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	clients, _, err := w.svc.ListClients(w.ctxS2, crm.ClientFilter{})
	require.NoError(t, err)
	assert.Empty(t, clients)
	assert.Equal(t, crm.Visibility{OwnerID: &w.S2.ID}, w.store.lastVis)

	clients, _, err = w.svc.ListClients(w.ctxP1, crm.ClientFilter{})
	require.NoError(t, err)
	require.Len(t, clients, 1)
	assert.Equal(t, crm.Visibility{SupportID: &w.P1.ID}, w.store.lastVis)

	events, _, err := w.svc.ListEvents(w.ctxP2, crm.EventFilter{})
	require.NoError(t, err)
	assert.Empty(t, events)
	contracts, _, err := w.svc.ListContracts(w.ctxS1, crm.ContractFilter{})
	require.NoError(t, err)
	assert.Len(t, contracts, 1)

	users, _, err := w.svc.ListUsers(w.ctxS1, crm.UserFilter{})
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, w.S1.ID, users[0].ID)
	users, _, err = w.svc.ListUsers(w.ctxM, crm.UserFilter{})
	require.NoError(t, err)
	assert.Len(t, users, 5)

	// A role with no read permission at all gets an empty list without a store call.
	delete(w.authz[crm.RoleSupport][crm.ResourceClient], crm.ActionRead)
	w.store.lastVis = crm.Everything
	clients, _, err = w.svc.ListClients(w.ctxP1, crm.ClientFilter{})
	require.NoError(t, err)
	assert.Empty(t, clients)
	assert.Equal(t, crm.Everything, w.store.lastVis, "the store was not asked")

	_, _, err = w.svc.ListClients(context.Background(), crm.ClientFilter{})
	requireCode(t, err, crm.EUNAUTHORIZED)
}

// TestListOptions checks paging and sorting options and filter enums.
func TestListOptions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, o := range []crm.ListOptions{{Limit: -1}, {Limit: crm.MaxLimit + 1}, {Sort: "password_hash"}, {Sort: "-nope"}} {
		_, _, err := w.svc.ListClients(w.ctxM, crm.ClientFilter{ListOptions: o})
		requireCode(t, err, crm.EMALFORMED)
	}
	_, _, err := w.svc.ListClients(w.ctxM, crm.ClientFilter{ListOptions: crm.ListOptions{Sort: "-last_name", Limit: crm.MaxLimit}})
	assert.NoError(t, err)
	_, _, err = w.svc.ListClients(w.ctxM, crm.ClientFilter{Status: "vip"})
	requireCode(t, err, crm.EMALFORMED)
	_, _, err = w.svc.ListContracts(w.ctxM, crm.ContractFilter{Status: "done"})
	requireCode(t, err, crm.EMALFORMED)
	_, _, err = w.svc.ListEvents(w.ctxM, crm.EventFilter{Status: "done"})
	requireCode(t, err, crm.EMALFORMED)
	_, _, err = w.svc.ListUsers(w.ctxM, crm.UserFilter{Role: "admin"})
	requireCode(t, err, crm.EMALFORMED)
	_, _, err = w.svc.ListEvents(w.ctxM, crm.EventFilter{ListOptions: crm.ListOptions{Sort: "location"}})
	requireCode(t, err, crm.EMALFORMED)
	_, _, err = w.svc.ListContracts(w.ctxM, crm.ContractFilter{ListOptions: crm.ListOptions{Sort: "-amount"}})
	assert.NoError(t, err)

	// Pages follow each other through the cursor.
	first, next, err := w.svc.ListUsers(w.ctxM, crm.UserFilter{ListOptions: crm.ListOptions{Limit: 3}})
	require.NoError(t, err)
	require.Len(t, first, 3)
	require.NotEmpty(t, next)
	rest, next, err := w.svc.ListUsers(w.ctxM, crm.UserFilter{ListOptions: crm.ListOptions{Limit: 3, Cursor: next}})
	require.NoError(t, err)
	assert.Len(t, rest, 2)
	assert.Empty(t, next)
}

// TestAudit checks that writes are audited and only management reads the log.
func TestAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, _, err := w.svc.ListAudit(w.ctxS1, crm.AuditFilter{})
	requireCode(t, err, crm.EFORBIDDEN)
	_, _, err = w.svc.ListAudit(w.ctxP1, crm.AuditFilter{})
	requireCode(t, err, crm.EFORBIDDEN)
	_, _, err = w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: "secrets"})
	requireCode(t, err, crm.EMALFORMED)

	entries, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: crm.ResourceEvent, ResourceID: w.E1.ID})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, crm.ActionCreate, entries[0].Action)
	assert.Equal(t, w.S1.ID, entries[0].ActorID)
	assert.Equal(t, crm.ActionAssign, entries[1].Action, "setting only the support contact is an assignment")
	assert.Equal(t, [2]any{nil, w.P1.ID}, entries[1].Changes["support_contact_id"])

	w.now = w.now.Add(time.Hour)
	_, err = w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("+33 1 23 45 67 89")}, 0)
	require.NoError(t, err)
	all := w.store.auditOf(crm.ResourceClient, w.C1.ID)
	last := all[len(all)-1]
	assert.Equal(t, crm.ActionUpdate, last.Action)
	assert.Equal(t, map[string][2]any{"phone": {"", "+33 1 23 45 67 89"}}, last.Changes)
	assert.Equal(t, w.now, last.At)

	// Passwords never appear in the audit log, not even hashed.
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Password: crm.Some("brand-new-secret")}, 0)
	require.NoError(t, err)
	for _, e := range w.store.auditOf(crm.ResourceUser, w.S2.ID) {
		text := fmt.Sprint(e.Changes)
		assert.NotContains(t, text, "secret")
		assert.NotContains(t, text, "h1:")
	}

	// A write that fails in the store leaves no audit entry.
	before := len(w.store.auditOf(crm.ResourceClient, w.C1.ID))
	w.store.fail = crm.Internal(assert.AnError)
	_, err = w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("0000")}, 0)
	requireCode(t, err, crm.EINTERNAL)
	w.store.fail = nil
	assert.Len(t, w.store.auditOf(crm.ResourceClient, w.C1.ID), before)
}

func TestCanAndPermissions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	assert.True(t, w.svc.Can(w.ctxM, crm.ResourceUser, crm.ActionDelete))
	assert.False(t, w.svc.Can(w.ctxS1, crm.ResourceClient, crm.ActionDelete))
	assert.True(t, w.svc.Can(w.ctxS1, crm.ResourceContract, crm.ActionSign))
	assert.False(t, w.svc.Can(context.Background(), crm.ResourceClient, crm.ActionRead))
	p := w.svc.Permissions(w.ctxP1)
	assert.Equal(t, assigned, p[crm.ResourceEvent][crm.ActionUpdate])
	assert.NotContains(t, p, crm.ResourceAudit)
	assert.Empty(t, w.svc.Permissions(context.Background()))
	assert.NotNil(t, w.svc.Authorizer())
	inactive := *w.S1
	inactive.IsActive = false
	assert.False(t, w.svc.Can(crm.NewContext(context.Background(), &inactive), crm.ResourceClient, crm.ActionRead))
	_, err := w.svc.GetClient(crm.NewContext(context.Background(), &inactive), w.C1.ID)
	requireCode(t, err, crm.EUNAUTHORIZED)
}

func TestNewPanicsWithoutDeps(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { crm.New(crm.Deps{}) })
}

// TestAuditOfCreateAndDelete checks that a created record's entry has no old values and a
// deleted one's no new values (rather than zero values such as 0001-01-01).
func TestAuditOfCreateAndDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.store.auditOf(crm.ResourceEvent, w.E1.ID)[0]
	require.Equal(t, crm.ActionCreate, created.Action)
	assert.Equal(t, [2]any{nil, "2027-06-04T13:00:00Z"}, created.Changes["event_date"])
	assert.Equal(t, [2]any{nil, "Launch party"}, created.Changes["name"])
	require.NoError(t, w.svc.DeleteUser(w.ctxM, w.S2.ID, 0))
	entries := w.store.auditOf(crm.ResourceUser, w.S2.ID)
	deleted := entries[len(entries)-1]
	require.Equal(t, crm.ActionDelete, deleted.Action)
	assert.Equal(t, [2]any{"sue", nil}, deleted.Changes["username"])
}

// TestAllows checks the record-level question a user interface asks before offering an action,
// under the default policy and under one where sales read every client but change only theirs.
func TestAllows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other, err := w.svc.CreateClient(w.ctxS2, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Lee"), Email: crm.Some("ann@lee.example")})
	require.NoError(t, err)
	w.authz[crm.RoleSales][crm.ResourceClient][crm.ActionRead] = any_
	cases := []struct {
		name string
		ctx  context.Context
		res  crm.Resource
		act  crm.Action
		id   int64
		want bool
	}{
		{"owner updates their client", w.ctxS1, crm.ResourceClient, crm.ActionUpdate, w.C1.ID, true},
		{"sales reads but may not update another's client", w.ctxS1, crm.ResourceClient, crm.ActionUpdate, other.ID, false},
		{"management updates any client", w.ctxM, crm.ResourceClient, crm.ActionUpdate, other.ID, true},
		{"sales never deletes", w.ctxS1, crm.ResourceClient, crm.ActionDelete, w.C1.ID, false},
		{"owner signs their contract", w.ctxS1, crm.ResourceContract, crm.ActionSign, w.K1.ID, true},
		{"other sales may not sign it", w.ctxS2, crm.ResourceContract, crm.ActionSign, w.K1.ID, false},
		{"assigned support updates the event", w.ctxP1, crm.ResourceEvent, crm.ActionUpdate, w.E1.ID, true},
		{"other support may not", w.ctxP2, crm.ResourceEvent, crm.ActionUpdate, w.E1.ID, false},
		{"owner creates a contract for their client", w.ctxS1, crm.ResourceContract, crm.ActionCreate, w.C1.ID, true},
		{"not for another's client", w.ctxS1, crm.ResourceContract, crm.ActionCreate, other.ID, false},
		{"owner creates an event for their contract", w.ctxS1, crm.ResourceEvent, crm.ActionCreate, w.K1.ID, true},
		{"not for another's contract", w.ctxS2, crm.ResourceEvent, crm.ActionCreate, w.K1.ID, false},
		{"sales create clients", w.ctxS1, crm.ResourceClient, crm.ActionCreate, 0, true},
		{"support do not", w.ctxP1, crm.ResourceClient, crm.ActionCreate, 0, false},
		{"a user updates themselves", w.ctxS1, crm.ResourceUser, crm.ActionUpdate, w.S1.ID, true},
		{"not another user", w.ctxS1, crm.ResourceUser, crm.ActionUpdate, w.S2.ID, false},
		{"an unknown record", w.ctxS1, crm.ResourceClient, crm.ActionUpdate, 9999, false},
		{"anonymous", context.Background(), crm.ResourceClient, crm.ActionRead, w.C1.ID, false},
		{"the audit log has no records", w.ctxS1, crm.ResourceAudit, crm.ActionRead, 1, false},
	}
	for _, c := range cases {
		got, err := w.svc.Allows(c.ctx, c.res, c.act, c.id)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
}

// TestContactName checks that a user learns the names of the contacts of records they can read,
// and of no one else.
func TestContactName(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cases := []struct {
		name string
		ctx  context.Context
		id   int64
		want string
	}{
		{"support learns who sells their event", w.ctxP1, w.S1.ID, "Sam"},
		{"support learns their own name", w.ctxP1, w.P1.ID, "Pat"},
		{"support does not learn another support user's name", w.ctxP1, w.P2.ID, ""},
		{"support does not learn an unrelated seller's name", w.ctxP1, w.S2.ID, ""},
		{"sales learns who supports their event", w.ctxS1, w.P1.ID, "Pat"},
		{"another seller does not", w.ctxS2, w.P1.ID, ""},
		{"management learns anyone's", w.ctxM, w.P2.ID, "Pia"},
		{"no such user", w.ctxM, 9999, ""},
	}
	for _, c := range cases {
		name, ok, err := w.svc.ContactName(c.ctx, c.id)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want != "", ok, c.name)
		assert.Equal(t, c.want, name, c.name)
	}
	_, _, err := w.svc.ContactName(context.Background(), w.S1.ID)
	requireCode(t, err, crm.EUNAUTHORIZED)
}

// TestAuditKeepsZeroValuesAndSubSeconds checks that a created record's entry lists zero values
// too, and that a change below the second is recorded.
func TestAuditKeepsZeroValuesAndSubSeconds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("idle"), Email: crm.Some("idle@epic.example"),
		Role: crm.Some(crm.RoleSupport), Password: crm.Some(goodPassword), IsActive: crm.Some(false)})
	require.NoError(t, err)
	created := w.store.auditOf(crm.ResourceUser, u.ID)[0]
	assert.Equal(t, [2]any{nil, false}, created.Changes["is_active"], "an inactive new user says so")

	later := w.E1.EventDate.Add(250 * time.Millisecond)
	_, err = w.svc.UpdateEvent(w.ctxM, w.E1.ID, crm.EventInput{EventDate: crm.Some(later)}, 0)
	require.NoError(t, err)
	entries := w.store.auditOf(crm.ResourceEvent, w.E1.ID)
	assert.Equal(t, [2]any{"2027-06-04T13:00:00Z", "2027-06-04T13:00:00.25Z"}, entries[len(entries)-1].Changes["event_date"])
}
