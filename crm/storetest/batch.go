package storetest

import (
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idsOf returns the ids of records, in order.
func idsOf[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range items {
		out = append(out, id(x))
	}
	return out
}

// testFindMany checks the batch reads: the records among the ids within the Visibility, each
// once, in id order, whatever the order and repetitions of the ids; ids of no record and
// records outside the Visibility left out.
func testFindMany(t *testing.T, f *fixture) {
	owner, other, support := f.user(crm.RoleSales), f.user(crm.RoleSales), f.user(crm.RoleSupport)
	mine, theirs := f.client(&owner.ID), f.client(&other.ID)
	km := f.contract(mine, func(k *crm.Contract) { k.SalesContactID = &owner.ID })
	kt := f.contract(theirs, func(k *crm.Contract) { k.SalesContactID = &other.ID })
	em, et := f.event(km, nil), f.event(kt, &support.ID)
	const none = int64(1 << 40)
	own := crm.Visibility{OwnerID: &owner.ID}
	assigned := crm.Visibility{SupportID: &support.ID}

	users, err := f.s.FindUsers(f.ctx, []int64{other.ID, owner.ID, none, owner.ID}, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, []int64{owner.ID, other.ID}, idsOf(users, func(u *crm.User) int64 { return u.ID }))
	users, err = f.s.FindUsers(f.ctx, []int64{other.ID, owner.ID}, crm.Visibility{SelfID: &owner.ID})
	require.NoError(t, err)
	assert.Equal(t, []int64{owner.ID}, idsOf(users, func(u *crm.User) int64 { return u.ID }))

	clientID := func(c *crm.Client) int64 { return c.ID }
	for _, tc := range []struct {
		vis  crm.Visibility
		want []int64
	}{
		{crm.Everything, []int64{mine.ID, theirs.ID}}, {own, []int64{mine.ID}}, {assigned, []int64{theirs.ID}}, {crm.Visibility{}, []int64{}},
	} {
		cs, err := f.s.FindClients(f.ctx, []int64{theirs.ID, none, mine.ID, theirs.ID}, tc.vis)
		require.NoError(t, err)
		assert.Equal(t, tc.want, idsOf(cs, clientID), "clients within %+v", tc.vis)
	}
	ks, err := f.s.FindContracts(f.ctx, []int64{kt.ID, km.ID, none}, own)
	require.NoError(t, err)
	require.Equal(t, []int64{km.ID}, idsOf(ks, func(k *crm.Contract) int64 { return k.ID }))
	assert.Equal(t, km, ks[0], "the whole contract is read")
	es, err := f.s.FindEvents(f.ctx, []int64{et.ID, em.ID}, assigned)
	require.NoError(t, err)
	require.Equal(t, []int64{et.ID}, idsOf(es, func(e *crm.Event) int64 { return e.ID }))
	assert.Equal(t, et, es[0], "the whole event is read, its client and sales contact included")
	es, err = f.s.FindEvents(f.ctx, nil, crm.Everything)
	require.NoError(t, err)
	assert.Empty(t, es, "no ids, no events")
}

// testFindContacts checks that FindContacts names only the users who are a contact of a record
// within the Access: a client's or contract's sales contact, an event's support contact or
// sales contact, each resource within its own Visibility.
func testFindContacts(t *testing.T, f *fixture) {
	seller, idle, runner, reader := f.user(crm.RoleSales), f.user(crm.RoleSales), f.user(crm.RoleSupport), f.user(crm.RoleSupport)
	c := f.client(&seller.ID)
	k := f.contract(c, func(k *crm.Contract) { k.SalesContactID = &seller.ID })
	f.event(k, &runner.ID)
	other := f.contract(f.client(nil), func(k *crm.Contract) { k.SalesContactID = nil })
	f.event(other, &reader.ID)
	ids := []int64{seller.ID, idle.ID, runner.ID, reader.ID, 1 << 40}
	userID := func(u *crm.User) int64 { return u.ID }
	for _, tc := range []struct {
		name string
		acc  crm.Access
		want []int64
	}{
		{"everything", crm.FullAccess, []int64{seller.ID, runner.ID, reader.ID}},
		{"nothing", crm.Access{}, []int64{}},
		{"the seller's clients", crm.Access{Clients: crm.Visibility{OwnerID: &seller.ID}}, []int64{seller.ID}},
		{"the runner's events", crm.Access{Events: crm.Visibility{SupportID: &runner.ID}}, []int64{seller.ID, runner.ID}},
		{"the reader's events", crm.Access{Events: crm.Visibility{SupportID: &reader.ID}}, []int64{reader.ID}},
		{"the reader's contracts", crm.Access{Contracts: crm.Visibility{SupportID: &reader.ID}}, []int64{}},
	} {
		us, err := f.s.FindContacts(f.ctx, ids, tc.acc)
		require.NoError(t, err)
		assert.Equal(t, tc.want, idsOf(us, userID), tc.name)
	}
}
