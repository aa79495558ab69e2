package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestReadAccess checks that the read scope of each role covers every resource, as the policy
// gives it: the Visibility of the listed resource and of the resources its filters reach.
func TestReadAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	assert.Equal(t, crm.FullAccess, crm.ReadAccess(w.authz, w.M))
	s1 := crm.Visibility{OwnerID: &w.S1.ID}
	assert.Equal(t, crm.Access{Users: crm.Visibility{SelfID: &w.S1.ID}, Clients: s1, Contracts: s1, Events: s1},
		crm.ReadAccess(w.authz, w.S1))
	p1 := crm.Visibility{SupportID: &w.P1.ID}
	assert.Equal(t, crm.Access{Users: crm.Visibility{SelfID: &w.P1.ID}, Clients: p1, Contracts: p1, Events: p1},
		crm.ReadAccess(w.authz, w.P1))

	delete(w.authz[crm.RoleSupport][crm.ResourceClient], crm.ActionRead)
	acc := crm.ReadAccess(w.authz, w.P1)
	assert.True(t, acc.Clients.None(), "no read permission, no client")
	assert.Equal(t, p1, acc.Of(crm.ResourceContract))
	assert.True(t, acc.Of(crm.ResourceAudit).None(), "the audit log is no list resource")
}

// TestListsPassTheReadAccess checks that every list and count gives the store the caller's
// read scope of every resource, so that a filter on a related resource keeps to its scope.
func TestListsPassTheReadAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	calls := map[string]func(ctx context.Context) error{
		"users": func(ctx context.Context) error { _, _, err := w.svc.ListUsers(ctx, crm.UserFilter{}); return err },
		"count users": func(ctx context.Context) error {
			_, err := w.svc.CountUsers(ctx, crm.UserFilter{})
			return err
		},
		"clients": func(ctx context.Context) error { _, _, err := w.svc.ListClients(ctx, crm.ClientFilter{}); return err },
		"count clients": func(ctx context.Context) error {
			_, err := w.svc.CountClients(ctx, crm.ClientFilter{})
			return err
		},
		"contracts": func(ctx context.Context) error {
			_, _, err := w.svc.ListContracts(ctx, crm.ContractFilter{ClientEmail: "kevin"})
			return err
		},
		"count contracts": func(ctx context.Context) error {
			_, err := w.svc.CountContracts(ctx, crm.ContractFilter{Q: "kevin"})
			return err
		},
		"events": func(ctx context.Context) error {
			_, _, err := w.svc.ListEvents(ctx, crm.EventFilter{ClientFirstName: "kevin"})
			return err
		},
		"count events": func(ctx context.Context) error {
			_, err := w.svc.CountEvents(ctx, crm.EventFilter{ClientEmail: "kevin"})
			return err
		},
	}
	for _, who := range []struct {
		u   *crm.User
		ctx context.Context
	}{{w.M, w.ctxM}, {w.S1, w.ctxS1}, {w.P2, w.ctxP2}} {
		for name, call := range calls {
			w.store.lastAccess = crm.Access{}
			require.NoError(t, call(who.ctx), "%s: %s", who.u.Username, name)
			assert.Equal(t, crm.ReadAccess(w.authz, who.u), w.store.lastAccess, "%s: %s", who.u.Username, name)
		}
	}
}

// TestClientFiltersKeepToTheClientScope checks, through the service, that a contract or event
// whose client the caller can no longer read is not found by the client's fields: after
// management hands C1 over to S2, S1 keeps K1 and E1, but no client filter matches them.
func TestClientFiltersKeepToTheClientScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.UpdateClient(w.ctxM, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	require.NoError(t, err)
	_, err = w.svc.GetClient(w.ctxS1, w.C1.ID)
	requireCode(t, err, crm.ENOTFOUND)

	n, err := w.svc.CountContracts(w.ctxS1, crm.ContractFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "S1 keeps K1")
	for _, f := range []crm.ContractFilter{{Q: "Kevin"}, {ClientFirstName: "Kevin"}, {ClientLastName: "Casey"}, {ClientEmail: w.C1.Email}} {
		n, err := w.svc.CountContracts(w.ctxS1, f)
		require.NoError(t, err)
		assert.Zero(t, n, "%+v", f)
		n, err = w.svc.CountContracts(w.ctxM, f)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "management: %+v", f)
	}
	for _, f := range []crm.EventFilter{{ClientFirstName: "Kevin"}, {ClientEmail: w.C1.Email}} {
		items, _, err := w.svc.ListEvents(w.ctxS1, f)
		require.NoError(t, err)
		assert.Empty(t, items, "%+v", f)
		items, _, err = w.svc.ListEvents(w.ctxM, f)
		require.NoError(t, err)
		assert.Len(t, items, 1, "management: %+v", f)
	}
}
