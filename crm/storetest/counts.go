package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countCase is one count to check against the list it counts.
type countCase struct {
	name string
	want int
	// count counts the rows of the case's filter and scope, with the given paging options.
	count func(opts crm.ListOptions) (int, error)
	// walk pages through the case's list with the given options and returns how many rows it saw.
	walk func(t *testing.T, opts crm.ListOptions) int
}

// countOf makes the countCase of a filter and scope of one resource. withOpts returns the filter
// with other paging options.
func countOf[F, T any](name string, want int, filter F, vis crm.Visibility, withOpts func(F, crm.ListOptions) F,
	list func(context.Context, F, crm.Access) ([]T, string, error),
	count func(context.Context, F, crm.Access) (int, error)) countCase {
	acc := uniform(vis)
	ctx := context.Background()
	return countCase{
		name: name, want: want,
		count: func(o crm.ListOptions) (int, error) { return count(ctx, withOpts(filter, o), acc) },
		walk: func(t *testing.T, o crm.ListOptions) int {
			t.Helper()
			return len(collect(t, func(cursor string) ([]T, string, error) {
				o.Cursor = cursor
				return list(ctx, withOpts(filter, o), acc)
			}))
		},
	}
}

// The withOpts functions of countOf, one per filter type.

func userOpts(f crm.UserFilter, o crm.ListOptions) crm.UserFilter {
	f.ListOptions = o
	return f
}

func clientOpts(f crm.ClientFilter, o crm.ListOptions) crm.ClientFilter {
	f.ListOptions = o
	return f
}

func contractOpts(f crm.ContractFilter, o crm.ListOptions) crm.ContractFilter {
	f.ListOptions = o
	return f
}

func eventOpts(f crm.EventFilter, o crm.ListOptions) crm.EventFilter {
	f.ListOptions = o
	return f
}

// testCounts checks that every count, for several filters and scopes, is the number of rows a
// full paging walk of the same list returns, and that paging options do not change it.
func testCounts(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	p2 := f.user(crm.RoleSupport)
	f.user(crm.RoleSupport, func(u *crm.User) { u.IsActive = false })

	// Nine clients: 0-4 of s1, 5-7 of s2, 8 of nobody; the even ones are "alpha", the odd ones
	// "bravo"; 0, 3 and 6 are existing. Each has a contract and an event on it, supported by p1
	// (0, 3, 6), p2 (1, 4, 7) or nobody (2, 5, 8), i days from now; clients 0-2 have a second,
	// paid contract; client 4's contract is open.
	support := []*int64{&p1.ID, &p2.ID, nil}
	for i := 0; i < 9; i++ {
		var owner *int64
		switch {
		case i < 5:
			owner = &s1.ID
		case i < 8:
			owner = &s2.ID
		}
		c := f.client(owner, func(c *crm.Client) {
			c.LastName = []string{"alpha", "bravo"}[i%2]
			if i%3 == 0 {
				c.Status = crm.ClientExisting
			}
		})
		k := f.contract(c, func(k *crm.Contract) {
			if i == 4 {
				k.Status, k.SignedAt = crm.ContractOpen, nil
			}
		})
		if i < 3 {
			f.contract(c, func(k *crm.Contract) { k.AmountDue = 0 })
		}
		f.event(k, support[i%3], func(e *crm.Event) { e.EventDate = f.now.Add(time.Duration(i) * 24 * time.Hour) })
	}
	day3, day6 := f.now.Add(3*24*time.Hour), f.now.Add(6*24*time.Hour)
	all, none := crm.Everything, crm.Visibility{}
	own1, own2 := crm.Visibility{OwnerID: &s1.ID}, crm.Visibility{OwnerID: &s2.ID}
	self1 := crm.Visibility{SelfID: &s1.ID}
	sup1, sup2 := crm.Visibility{SupportID: &p1.ID}, crm.Visibility{SupportID: &p2.ID}
	own1sup1 := crm.Visibility{OwnerID: &s1.ID, SupportID: &p1.ID}
	s := f.s

	cases := []countCase{
		countOf("users: all", 5, crm.UserFilter{}, all, userOpts, s.ListUsers, s.CountUsers),
		countOf("users: inactive", 1, crm.UserFilter{IsActive: crm.Ptr(false)}, all, userOpts, s.ListUsers, s.CountUsers),
		countOf("users: support", 3, crm.UserFilter{Role: crm.RoleSupport}, all, userOpts, s.ListUsers, s.CountUsers),
		countOf("users: self", 1, crm.UserFilter{}, self1, userOpts, s.ListUsers, s.CountUsers),
		countOf("users: self, filtered out", 0, crm.UserFilter{Role: crm.RoleSupport}, self1, userOpts, s.ListUsers, s.CountUsers),
		countOf("users: nothing", 0, crm.UserFilter{}, none, userOpts, s.ListUsers, s.CountUsers),

		countOf("clients: all", 9, crm.ClientFilter{}, all, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: own", 5, crm.ClientFilter{}, own1, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: assigned, each once", 3, crm.ClientFilter{}, sup1, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: own or assigned", 6, crm.ClientFilter{}, own1sup1, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: own, by last name", 3, crm.ClientFilter{LastName: "ALPHA"}, own1, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: existing", 3, crm.ClientFilter{Status: crm.ClientExisting}, all, clientOpts, s.ListClients, s.CountClients),
		countOf("clients: nothing", 0, crm.ClientFilter{}, none, clientOpts, s.ListClients, s.CountClients),

		countOf("contracts: all", 12, crm.ContractFilter{}, all, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: own", 8, crm.ContractFilter{}, own1, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: assigned", 3, crm.ContractFilter{}, sup2, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: unpaid", 9, crm.ContractFilter{Unpaid: true}, all, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: q on the client", 7, crm.ContractFilter{Q: "alpha"}, all, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: own, q on the client", 5, crm.ContractFilter{Q: "alpha"}, own1, contractOpts, s.ListContracts, s.CountContracts),
		countOf("contracts: open", 1, crm.ContractFilter{Status: crm.ContractOpen}, all, contractOpts, s.ListContracts, s.CountContracts),

		countOf("events: all", 9, crm.EventFilter{}, all, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: assigned", 3, crm.EventFilter{}, sup1, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: own through the contract", 3, crm.EventFilter{}, own2, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: unassigned", 3, crm.EventFilter{Unassigned: true}, all, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: own, unassigned", 1, crm.EventFilter{Unassigned: true}, own1, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: from", 6, crm.EventFilter{From: &day3}, all, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: from and to", 3, crm.EventFilter{From: &day3, To: &day6}, all, eventOpts, s.ListEvents, s.CountEvents),
		countOf("events: nothing", 0, crm.EventFilter{}, none, eventOpts, s.ListEvents, s.CountEvents),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			walked := c.walk(t, crm.ListOptions{Limit: 2, Sort: "-id"})
			n, err := c.count(crm.ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, walked, n, "the count is the number of rows of a full walk")
			assert.Equal(t, c.want, n)
			// Pages of three, in the other order: where a search reads a window first, a page
			// may end past the window, in two or three steps, each reading its rows once.
			assert.Equal(t, n, c.walk(t, crm.ListOptions{Limit: 3}), "pages of 3 in id order")
			n, err = c.count(crm.ListOptions{Limit: 1, Sort: "-id"})
			require.NoError(t, err)
			assert.Equal(t, walked, n, "a page size does not change the count")
		})
	}
}
