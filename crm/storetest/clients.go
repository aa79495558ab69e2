package storetest

import (
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testClientCRUD(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales)
	other := f.user(crm.RoleSales)
	c := f.client(&sales.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile, c.Company = "Kevin", "Casey", "kevin@startup.io", "+678 123 456 78", "06 12 34 56 78", "Cool Startup LLC"
	})
	require.NotZero(t, c.ID)
	assert.Equal(t, int64(1), c.Version)
	got, err := f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, c, got)

	later := f.now.Add(time.Minute)
	updated, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Company, c.Status, c.SalesContactID, c.DateUpdated = "Cooler Startup", crm.ClientExisting, &other.ID, later
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Version)
	got, err = f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, "Cooler Startup", got.Company)
	assert.Equal(t, crm.ClientExisting, got.Status)
	assert.Equal(t, &other.ID, got.SalesContactID)
	assert.Equal(t, later, got.DateUpdated)
	assert.Equal(t, c.DateCreated, got.DateCreated)

	updated, err = f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.SalesContactID = nil
		return nil, nil
	})
	require.NoError(t, err)
	assert.Nil(t, updated.SalesContactID)
	got, err = f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Nil(t, got.SalesContactID, "a contact can be cleared")

	require.NoError(t, f.s.DeleteClient(f.ctx, c.ID, crm.EveryWrite, keep[*crm.Client]))
	_, err = f.s.FindClient(f.ctx, c.ID, crm.Everything)
	assertCode(t, crm.ENOTFOUND, err)
	_, err = f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, keep[*crm.Client])
	assertCode(t, crm.ENOTFOUND, err)
}

func testClientFilters(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	kevin := f.client(&s1.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "Kevin", "Casey", "kevin@startup.io", "Cool Startup"
	})
	john := f.client(&s2.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company, c.Status = "John", "Ouick", "john.q@bigcorp.com", "Big_Corp", crm.ClientExisting
	})
	lou := f.client(nil, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "Lou", "Bouzin", "lou@events.fr", "100% Events"
	})
	for _, tc := range []struct {
		name   string
		filter crm.ClientFilter
		want   []*crm.Client
	}{
		{"no filter", crm.ClientFilter{}, []*crm.Client{kevin, john, lou}},
		{"q on first name", crm.ClientFilter{Q: "KEV"}, []*crm.Client{kevin}},
		{"q on last name", crm.ClientFilter{Q: "ouzi"}, []*crm.Client{lou}},
		{"q on email", crm.ClientFilter{Q: "bigcorp"}, []*crm.Client{john}},
		{"q on company", crm.ClientFilter{Q: "startup"}, []*crm.Client{kevin}},
		{"first name", crm.ClientFilter{FirstName: "o"}, []*crm.Client{john, lou}},
		{"last name", crm.ClientFilter{LastName: "CASE"}, []*crm.Client{kevin}},
		{"email", crm.ClientFilter{Email: ".FR"}, []*crm.Client{lou}},
		{"company", crm.ClientFilter{Company: "corp"}, []*crm.Client{john}},
		{"underscore is no wildcard", crm.ClientFilter{Company: "_"}, []*crm.Client{john}},
		{"percent is no wildcard", crm.ClientFilter{Company: "%"}, []*crm.Client{lou}},
		{"status", crm.ClientFilter{Status: crm.ClientExisting}, []*crm.Client{john}},
		{"sales contact", crm.ClientFilter{SalesContactID: &s1.ID}, []*crm.Client{kevin}},
		{"combined", crm.ClientFilter{FirstName: "o", Status: crm.ClientPotential}, []*crm.Client{lou}},
		{"no match", crm.ClientFilter{Q: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := f.s.ListClients(f.ctx, tc.filter, crm.FullAccess)
			require.NoError(t, err)
			assert.Empty(t, next)
			assert.Equal(t, ids(tc.want, clientID), ids(got, clientID))
		})
	}
}

func testClientVisibility(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	p2 := f.user(crm.RoleSupport)
	mine := f.client(&s1.ID)
	theirs := f.client(&s2.ID)
	nobodys := f.client(nil)
	f.event(f.contract(theirs), &p1.ID)
	f.event(f.contract(theirs), nil)
	f.event(f.contract(nobodys), &p2.ID)
	all := []*crm.Client{mine, theirs, nobodys}
	for _, tc := range []struct {
		name string
		vis  crm.Visibility
		want []*crm.Client
	}{
		{"any", crm.Everything, all},
		{"own", crm.Visibility{OwnerID: &s1.ID}, []*crm.Client{mine}},
		{"assigned through an event", crm.Visibility{SupportID: &p1.ID}, []*crm.Client{theirs}},
		{"own or assigned", crm.Visibility{OwnerID: &s1.ID, SupportID: &p2.ID}, []*crm.Client{mine, nobodys}},
		{"self names no client", crm.Visibility{SelfID: &s1.ID}, nil},
		{"nothing", crm.Visibility{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.s.ListClients(f.ctx, crm.ClientFilter{}, uniform(tc.vis))
			require.NoError(t, err)
			assert.Equal(t, ids(tc.want, clientID), ids(got, clientID), "each client appears once")
			for _, c := range all {
				_, err := f.s.FindClient(f.ctx, c.ID, tc.vis)
				if containsID(tc.want, c.ID, clientID) {
					assert.NoError(t, err, "a listed client can be read")
				} else {
					assertCode(t, crm.ENOTFOUND, err, "an unlisted client cannot be read")
				}
			}
		})
	}
}

func testClientDeleteReferenced(t *testing.T, f *fixture) {
	c := f.client(nil)
	f.contract(c)
	before := len(f.audit())
	err := f.s.DeleteClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceClient, c.ID, nil)}, nil
	})
	assertCode(t, crm.ECONFLICT, err, "a client with contracts cannot be deleted")
	_, err = f.s.FindClient(f.ctx, c.ID, crm.Everything)
	assert.NoError(t, err)
	assert.Len(t, f.audit(), before)
}
