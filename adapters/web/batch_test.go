package web_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// countingStore is a SQLite store that counts the reads of users, clients, contracts and events
// that its Service makes.
type countingStore struct {
	*sqlite.Store
	reads *atomic.Int64
}

func (s countingStore) Deps() crm.Deps {
	d := s.Store.Deps()
	d.Users = countUsers{d.Users, s.reads}
	d.Clients = countClients{d.Clients, s.reads}
	d.Contracts = countContracts{d.Contracts, s.reads}
	d.Events = countEvents{d.Events, s.reads}
	return d
}

type countUsers struct {
	crm.UserStore
	n *atomic.Int64
}

func (c countUsers) FindUser(ctx context.Context, id int64, v crm.Visibility) (*crm.User, error) {
	c.n.Add(1)
	return c.UserStore.FindUser(ctx, id, v)
}

func (c countUsers) FindUsers(ctx context.Context, ids []int64, v crm.Visibility) ([]*crm.User, error) {
	c.n.Add(1)
	return c.UserStore.FindUsers(ctx, ids, v)
}

func (c countUsers) FindContacts(ctx context.Context, ids []int64, acc crm.Access) ([]*crm.User, error) {
	c.n.Add(1)
	return c.UserStore.FindContacts(ctx, ids, acc)
}

func (c countUsers) ListUsers(ctx context.Context, f crm.UserFilter, acc crm.Access) ([]*crm.User, string, error) {
	c.n.Add(1)
	return c.UserStore.ListUsers(ctx, f, acc)
}

func (c countUsers) CountUsers(ctx context.Context, f crm.UserFilter, acc crm.Access) (int, error) {
	c.n.Add(1)
	return c.UserStore.CountUsers(ctx, f, acc)
}

type countClients struct {
	crm.ClientStore
	n *atomic.Int64
}

func (c countClients) FindClient(ctx context.Context, id int64, v crm.Visibility) (*crm.Client, error) {
	c.n.Add(1)
	return c.ClientStore.FindClient(ctx, id, v)
}

func (c countClients) FindClients(ctx context.Context, ids []int64, v crm.Visibility) ([]*crm.Client, error) {
	c.n.Add(1)
	return c.ClientStore.FindClients(ctx, ids, v)
}

func (c countClients) ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error) {
	c.n.Add(1)
	return c.ClientStore.ListClients(ctx, f, acc)
}

func (c countClients) CountClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) (int, error) {
	c.n.Add(1)
	return c.ClientStore.CountClients(ctx, f, acc)
}

type countContracts struct {
	crm.ContractStore
	n *atomic.Int64
}

func (c countContracts) FindContract(ctx context.Context, id int64, v crm.Visibility) (*crm.Contract, error) {
	c.n.Add(1)
	return c.ContractStore.FindContract(ctx, id, v)
}

func (c countContracts) FindContracts(ctx context.Context, ids []int64, v crm.Visibility) ([]*crm.Contract, error) {
	c.n.Add(1)
	return c.ContractStore.FindContracts(ctx, ids, v)
}

func (c countContracts) ListContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) ([]*crm.Contract, string, error) {
	c.n.Add(1)
	return c.ContractStore.ListContracts(ctx, f, acc)
}

func (c countContracts) CountContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) (int, error) {
	c.n.Add(1)
	return c.ContractStore.CountContracts(ctx, f, acc)
}

type countEvents struct {
	crm.EventStore
	n *atomic.Int64
}

func (c countEvents) FindEvent(ctx context.Context, id int64, v crm.Visibility) (*crm.Event, error) {
	c.n.Add(1)
	return c.EventStore.FindEvent(ctx, id, v)
}

func (c countEvents) FindEvents(ctx context.Context, ids []int64, v crm.Visibility) ([]*crm.Event, error) {
	c.n.Add(1)
	return c.EventStore.FindEvents(ctx, ids, v)
}

func (c countEvents) ListEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) ([]*crm.Event, string, error) {
	c.n.Add(1)
	return c.EventStore.ListEvents(ctx, f, acc)
}

func (c countEvents) CountEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) (int, error) {
	c.n.Add(1)
	return c.EventStore.CountEvents(ctx, f, acc)
}

// TestListPagesReadInBatches checks that a list page reads the related names of its rows (the
// clients, the sales and support contacts) in one query per kind: a page of 50 rows, each with
// its own client and with several contacts, makes as many store reads as a page of 5.
func TestListPagesReadInBatches(t *testing.T) {
	t.Parallel()
	reads := func(rows int) map[string]int64 {
		n := new(atomic.Int64)
		e := newEnvOn(t, countingStore{Store: sqlitetest.New(t), reads: n}, web.Config{})
		sellers := []*crm.User{e.sales, e.sales2}
		for i := range 3 {
			sellers = append(sellers, e.user(fmt.Sprintf("seller%d", i), "Seller", fmt.Sprint(i), crm.RoleSales))
		}
		for i := range rows {
			owner := sellers[i%len(sellers)]
			k := e.signedContract(owner, e.client(owner, "Client", fmt.Sprint(i), "Co"), "100")
			support := []*crm.User{e.support, e.support2, nil}[i%3]
			e.event(owner, k, fmt.Sprintf("Event %d", i), support)
		}
		out := map[string]int64{}
		for _, tc := range []struct {
			who  *crm.User
			path string
		}{
			{e.mgr, "/admin/contracts"}, {e.mgr, "/admin/events"}, {e.mgr, "/admin/clients"},
			{e.sales, "/admin/events"}, {e.support, "/admin/events"},
		} {
			b := e.loggedIn(tc.who)
			n.Store(0)
			p := b.get(tc.path)
			require.Equal(t, http.StatusOK, p.Status, tc.path)
			out[string(tc.who.Role)+" "+tc.path] = n.Load()
		}
		return out
	}
	few, many := reads(5), reads(50)
	for page, n := range many {
		assert.Equal(t, few[page], n, "%s: the store reads of a page of 50 rows are those of a page of 5", page)
		assert.LessOrEqual(t, n, int64(12), "%s: a bounded number of store reads", page)
	}
}
