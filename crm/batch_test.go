package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestBatchReadsAgreeWithSingleReads checks that, for every role, the batch variants give for
// each id exactly what the one-id methods give: ContactNames what ContactName does, AllowsEach
// what Allows does, GetUsers/GetClients/GetContracts what GetUser/GetClient/GetContract do.
func TestBatchReadsAgreeWithSingleReads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	k2, err := w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(10)),
		SalesContactID: crm.Some(&w.S2.ID)})
	require.NoError(t, err)
	userIDs := []int64{w.M.ID, w.S1.ID, w.S2.ID, w.P1.ID, w.P2.ID, 999}
	for name, ctx := range map[string]context.Context{"M": w.ctxM, "S1": w.ctxS1, "S2": w.ctxS2, "P1": w.ctxP1, "P2": w.ctxP2} {
		names, err := w.svc.ContactNames(ctx, userIDs)
		require.NoError(t, err)
		for _, id := range userIDs {
			want, ok, err := w.svc.ContactName(ctx, id)
			require.NoError(t, err)
			got, found := names[id]
			assert.Equal(t, ok, found, "%s: whether the name of user %d is known", name, id)
			if ok {
				assert.Equal(t, want, got, "%s: the name of user %d", name, id)
			}
		}
		users, err := w.svc.GetUsers(ctx, userIDs)
		require.NoError(t, err)
		for _, id := range userIDs {
			u, err := w.svc.GetUser(ctx, id)
			assert.Equal(t, err == nil, users[id] != nil, "%s: user %d readable", name, id)
			if err == nil {
				assert.Equal(t, u, users[id])
			}
		}
		clients, err := w.svc.GetClients(ctx, []int64{w.C1.ID, 999})
		require.NoError(t, err)
		c, err := w.svc.GetClient(ctx, w.C1.ID)
		assert.Equal(t, err == nil, clients[w.C1.ID] != nil, "%s: client readable", name)
		assert.Equal(t, c, clients[w.C1.ID])
		assert.NotContains(t, clients, int64(999))
		contracts, err := w.svc.GetContracts(ctx, []int64{w.K1.ID, k2.ID})
		require.NoError(t, err)
		for _, id := range []int64{w.K1.ID, k2.ID} {
			k, err := w.svc.GetContract(ctx, id)
			assert.Equal(t, err == nil, contracts[id] != nil, "%s: contract %d readable", name, id)
			assert.Equal(t, k, contracts[id])
		}
		for _, res := range []crm.Resource{crm.ResourceUser, crm.ResourceClient, crm.ResourceContract, crm.ResourceEvent} {
			ids := map[crm.Resource][]int64{
				crm.ResourceUser: userIDs, crm.ResourceClient: {w.C1.ID, 999},
				crm.ResourceContract: {w.K1.ID, k2.ID, 999}, crm.ResourceEvent: {w.E1.ID, 999},
			}[res]
			for _, act := range crm.Actions {
				each, err := w.svc.AllowsEach(ctx, res, act, ids)
				require.NoError(t, err)
				for _, id := range ids {
					one, err := w.svc.Allows(ctx, res, act, id)
					require.NoError(t, err)
					assert.Equal(t, one, each[id], "%s: %s %s %d", name, act, res, id)
				}
			}
		}
	}
}
