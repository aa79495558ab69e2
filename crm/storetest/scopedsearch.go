package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// testScopedSearchPages pages through searches within the scopes of a sales and a support
// user, in both id orders and with small pages, and checks that the pages hold exactly the
// matches within the scope, once each, in order: whatever steps a store takes to read them
// (a store may read a window of ids first, then more windows or the matches past them through
// an index), the answer is that of one query. The words are spread so that each scope holds
// some of the matches of each, none of them, or all. The same for the contracts searched by
// their client, within the scopes of the contracts and of the clients, and for management.
func testScopedSearchPages(t *testing.T, f *fixture) {
	sam, sue, pia := f.user(crm.RoleSales), f.user(crm.RoleSales), f.user(crm.RoleSupport)
	type row struct {
		client             *crm.Client
		contract           *crm.Contract
		company            string
		owner, assignedPia bool // sam owns it; pia supports one of its events
	}
	var rows []row
	for i := range 30 {
		owner := &sam.ID
		if i%5 == 0 {
			owner = &sue.ID
		}
		company := "Brasserie Lumière"
		switch {
		case i%5 == 0 && i%2 == 0:
			company = "Sues Only" // a word of sue's clients alone
		case i%3 == 2:
			company = "Café du Port"
		}
		c := f.client(owner, func(c *crm.Client) { c.Company = company })
		r := row{client: c, contract: f.contract(c), company: company, owner: owner == &sam.ID}
		if i%4 == 1 || i%4 == 2 {
			f.event(r.contract, &pia.ID)
			r.assignedPia = true
		}
		rows = append(rows, r)
	}
	callers := []struct {
		name    string
		acc     crm.Access
		visible func(row) bool
	}{
		{"sales", crm.Access{Clients: crm.Visibility{OwnerID: &sam.ID}, Contracts: crm.Visibility{OwnerID: &sam.ID}},
			func(r row) bool { return r.owner }},
		{"support", crm.Access{Clients: crm.Visibility{SupportID: &pia.ID}, Contracts: crm.Visibility{SupportID: &pia.ID}},
			func(r row) bool { return r.assignedPia }},
		{"management", crm.FullAccess, func(row) bool { return true }},
	}
	for _, caller := range callers {
		for _, q := range []struct{ word, contains string }{{"brasserie", "Brasserie"}, {"cafe", "Café"}, {"sues", "Sues"}, {"absent", "\x00"}} {
			var clients, contracts []int64
			for _, r := range rows {
				if caller.visible(r) && containsFold(r.company, q.contains) {
					clients = append(clients, r.client.ID)
					contracts = append(contracts, r.contract.ID)
				}
			}
			for _, sort := range []string{"id", "-id"} {
				for _, limit := range []int{1, 2, 5} {
					opts := crm.ListOptions{Sort: sort, Limit: limit}
					got := pageIDs(t, opts, func(o crm.ListOptions) ([]int64, string, error) {
						page, next, err := f.s.ListClients(f.ctx, crm.ClientFilter{Q: q.word, ListOptions: o}, caller.acc)
						return ids(page, clientID), next, err
					})
					assert.Equal(t, inOrder(clients, sort), got, "%s searching clients for %q, sort %s, pages of %d", caller.name, q.word, sort, limit)
					got = pageIDs(t, opts, func(o crm.ListOptions) ([]int64, string, error) {
						page, next, err := f.s.ListContracts(f.ctx, crm.ContractFilter{Q: q.word, ListOptions: o}, caller.acc)
						return ids(page, contractID), next, err
					})
					assert.Equal(t, inOrder(contracts, sort), got, "%s searching contracts for %q, sort %s, pages of %d", caller.name, q.word, sort, limit)
				}
			}
		}
	}
}

// pageIDs pages through a list with opts, from the first page to the last, and returns the
// ids it read, checking that no page holds more than opts.Limit rows.
func pageIDs(t *testing.T, opts crm.ListOptions, list func(crm.ListOptions) ([]int64, string, error)) []int64 {
	t.Helper()
	var got []int64
	for range 100 {
		page, next, err := list(opts)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), opts.Limit)
		got = append(got, page...)
		if next == "" {
			break
		}
		opts.Cursor = next
	}
	return got
}

// inOrder returns ids, ascending, in the order of sort ("id" or "-id"), nil when empty.
func inOrder(ids []int64, sort string) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	if sort == "-id" {
		slices.Reverse(out)
	}
	return out
}

// containsFold reports whether s contains sub once both are folded as a search folds them;
// the sub "\x00" is in nothing.
func containsFold(s, sub string) bool {
	return sub != "\x00" && strings.Contains(crm.FoldSearch(s), crm.FoldSearch(sub))
}

// testOwnerSearchFollowsReassignment searches one salesperson's clients, by the scope of the
// salesperson and by a filter on the sales contact, before and after the client changes hands
// with its search text unchanged: a store whose search index also holds each client's owner
// (migrations 0019 and 0020) must move the client's entry with it, in the same write.
func testOwnerSearchFollowsReassignment(t *testing.T, f *fixture) {
	sam, sue := f.user(crm.RoleSales), f.user(crm.RoleSales)
	c := f.client(&sam.ID, func(c *crm.Client) { c.Company = "Zinnia Traiteur" })
	f.client(&sue.ID, func(c *crm.Client) { c.Company = "Zinnia Fleurs" })
	owned := func(owner *crm.User) []int64 {
		t.Helper()
		var got [][]int64
		for _, q := range []struct {
			f   crm.ClientFilter
			acc crm.Access
		}{
			{crm.ClientFilter{Q: "traiteur zinnia"}, crm.Access{Clients: crm.Visibility{OwnerID: &owner.ID}}},
			{crm.ClientFilter{Q: "traiteur zinnia", SalesContactID: &owner.ID}, crm.FullAccess},
		} {
			page, _, err := f.s.ListClients(f.ctx, q.f, q.acc)
			require.NoError(t, err)
			got = append(got, ids(page, clientID))
		}
		assert.Equal(t, got[0], got[1], "the scope and the filter of %s agree", owner.Username)
		return got[0]
	}
	assert.Equal(t, []int64{c.ID}, owned(sam))
	assert.Empty(t, owned(sue))

	_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.SalesContactID = &sue.ID
		return []crm.AuditEntry{f.entry(crm.ActionAssign, crm.ResourceClient, c.ID, nil)}, nil
	})
	require.NoError(t, err)
	assert.Empty(t, owned(sam), "the former salesperson's search no longer finds the client")
	assert.Equal(t, []int64{c.ID}, owned(sue), "the new salesperson's search finds it")
}

// testEventOwnerSearchFollowsReassignment searches one salesperson's events, by the scope of
// the salesperson and by a filter on the sales contact, before and after the event's contract
// changes hands: an event's salesperson is its contract's, so a store whose search index of
// events also holds each event's owner (migration 0021) must move the event's entry when the
// contract, another record, changes hands, in the same write.
func testEventOwnerSearchFollowsReassignment(t *testing.T, f *fixture) {
	sam, sue := f.user(crm.RoleSales), f.user(crm.RoleSales)
	// Other events first, so that a store reading a small window of ids before the index
	// (RunLists with a search window of 1 or 3) finds the event through the index.
	f.event(f.contract(f.client(&sue.ID)), nil, func(e *crm.Event) { e.Name = "Zinnia brunch" })
	for range 3 {
		f.event(f.contract(f.client(&sam.ID)), nil)
	}
	k := f.contract(f.client(&sam.ID))
	e := f.event(k, nil, func(e *crm.Event) { e.Name, e.Location = "Zinnia gala", "Quai des Brumes" })
	const q = "brumes zinnia"
	owned := func(owner *crm.User) []int64 {
		t.Helper()
		byScope, _, err := f.s.ListEvents(f.ctx, crm.EventFilter{Q: q}, crm.Access{Events: crm.Visibility{OwnerID: &owner.ID}})
		require.NoError(t, err)
		byFilter, _, err := f.s.ListEvents(f.ctx, crm.EventFilter{Q: q, SalesContactID: &owner.ID}, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, ids(byScope, eventID), ids(byFilter, eventID), "the scope and the filter of %s agree", owner.Username)
		return ids(byScope, eventID)
	}
	assert.Equal(t, []int64{e.ID}, owned(sam))
	assert.Empty(t, owned(sue))

	_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
		k.SalesContactID = &sue.ID
		return crm.ContractChange{Audit: []crm.AuditEntry{f.entry(crm.ActionAssign, crm.ResourceContract, k.ID, nil)}}, nil
	})
	require.NoError(t, err)
	assert.Empty(t, owned(sam), "the former salesperson's search no longer finds the event")
	assert.Equal(t, []int64{e.ID}, owned(sue), "the new salesperson's search finds it")

	_, err = f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
		k.SalesContactID = nil
		return crm.ContractChange{Audit: []crm.AuditEntry{f.entry(crm.ActionAssign, crm.ResourceContract, k.ID, nil)}}, nil
	})
	require.NoError(t, err)
	assert.Empty(t, owned(sue), "nobody's search finds the event of a contract without a salesperson")
	page, _, err := f.s.ListEvents(f.ctx, crm.EventFilter{Q: q}, crm.FullAccess)
	require.NoError(t, err)
	assert.Equal(t, []int64{e.ID}, ids(page, eventID), "a search of every event still finds it")
}

// testScopedSearchAfterWrites searches a salesperson's clients, in both id orders, before and
// after clients are added past the last one and the first ones are deleted: a store that keeps
// anything between searches (such as the ends of the table, to place a search window) must
// still find exactly the matches of the moment.
func testScopedSearchAfterWrites(t *testing.T, f *fixture) {
	sam := f.user(crm.RoleSales)
	acc := crm.Access{Clients: crm.Visibility{OwnerID: &sam.ID}}
	brasserie := func(c *crm.Client) { c.Company = "Brasserie du Nord" }
	var want []int64
	add := func(n int) {
		for range n {
			want = append(want, f.client(&sam.ID, brasserie).ID)
			f.client(&sam.ID) // a client without the word between each
		}
	}
	check := func(when string) {
		t.Helper()
		for _, sort := range []string{"id", "-id"} {
			page, next, err := f.s.ListClients(f.ctx, crm.ClientFilter{Q: "brasserie",
				ListOptions: crm.ListOptions{Sort: sort, Limit: 50}}, acc)
			require.NoError(t, err)
			assert.Empty(t, next, "%s, sort %s: one page", when, sort)
			expect := slices.Clone(want)
			if sort == "-id" {
				slices.Reverse(expect)
			}
			assert.Equal(t, expect, ids(page, clientID), "%s, sort %s", when, sort)
		}
	}
	add(4)
	check("first search")
	add(3)
	check("after clients were added")
	for _, id := range want[:3] {
		require.NoError(t, f.s.DeleteClient(f.ctx, id, crm.EveryWrite, keep[*crm.Client]))
	}
	want = want[3:]
	check("after the first clients were deleted")
}

// testContractSearchFollowsClient searches the contracts by their client's fields (q) as the
// client changes, through an update of the client and through an update of a contract that
// writes its client: a store whose contracts keep a copy of their client's search text
// (migration 0024) must rewrite the copy of every contract of the client in the same write.
// The other client's contract, and the search by a filter on the client's own field, agree.
func testContractSearchFollowsClient(t *testing.T, f *fixture) {
	sam := f.user(crm.RoleSales)
	c := f.client(&sam.ID, func(c *crm.Client) { c.FirstName, c.Company = "Octave", "Quenelle Lyonnaise" })
	k1, k2 := f.contract(c), f.contract(c)
	other := f.contract(f.client(&sam.ID, func(c *crm.Client) { c.Company = "Quenelle Nantaise" }))
	acc := crm.Access{Clients: crm.Visibility{OwnerID: &sam.ID}, Contracts: crm.Visibility{OwnerID: &sam.ID}}
	search := func(q string) []int64 {
		t.Helper()
		var got [][]int64
		for _, a := range []crm.Access{crm.FullAccess, acc} {
			page, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{Q: q}, a)
			require.NoError(t, err)
			got = append(got, ids(page, contractID))
			n, err := f.s.CountContracts(f.ctx, crm.ContractFilter{Q: q}, a)
			require.NoError(t, err)
			assert.Equal(t, len(page), n, "the count of %q agrees with the list", q)
		}
		assert.Equal(t, got[0], got[1], "%q: the seller's search and management's agree", q)
		return got[0]
	}
	assert.Equal(t, []int64{k1.ID, k2.ID}, search("quenelle lyonnaise"))
	assert.Equal(t, []int64{k1.ID, k2.ID, other.ID}, search("QUENELLE"))

	_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Company = "Bouchon Ardéchois"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Empty(t, search("lyonnaise"), "the client's old company finds none of its contracts")
	assert.Equal(t, []int64{k1.ID, k2.ID}, search("bouchon ardechois octave"))
	assert.Equal(t, []int64{other.ID}, search("quenelle"))

	_, err = f.s.UpdateContract(f.ctx, k1.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
		cl.FirstName = "Séraphin"
		return crm.ContractChange{ClientChanged: true}, nil
	})
	require.NoError(t, err)
	assert.Empty(t, search("octave"))
	assert.Equal(t, []int64{k1.ID, k2.ID}, search("seraphin bouchon"), "a contract's write of its client reaches all of the client's contracts")
	byField, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{ClientFirstName: "séraphin"}, crm.FullAccess)
	require.NoError(t, err)
	assert.Equal(t, []int64{k1.ID, k2.ID}, ids(byField, contractID))

	k3 := f.contract(c)
	assert.Equal(t, []int64{k1.ID, k2.ID, k3.ID}, search("seraphin"), "a new contract copies its client's search text")
}

// testContractAndClientWritesDoNotDeadlock runs, at the same time and many times over, updates
// of a client's search fields (which rewrite its contracts' copies of its search text, migration
// 0024) and updates of its contracts that also write the client: with row locks, both must take
// the client and the contract in the same order, or PostgreSQL aborts one as a deadlock.
func testContractAndClientWritesDoNotDeadlock(t *testing.T, f *fixture) {
	sam := f.user(crm.RoleSales)
	c := f.client(&sam.ID)
	k := f.contract(c)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 20 {
		wg.Go(func() {
			_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
				c.Company = fmt.Sprintf("Company %d", i)
				return nil, nil
			})
			errs <- err
		})
		wg.Go(func() {
			_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
				k.Amount++
				cl.LastName = fmt.Sprintf("Name %d", i)
				return crm.ContractChange{ClientChanged: true}, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	page, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{Q: got.Company + " " + got.LastName}, crm.FullAccess)
	require.NoError(t, err)
	assert.Equal(t, []int64{k.ID}, ids(page, contractID), "the contract's copy is its client's last search text")
}
