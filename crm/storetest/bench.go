package storetest

import (
	"fmt"
	"testing"

	"github.com/epicevents/epiccrm/crm"
)

// Bench runs the store benchmarks against a store newStore makes: the list queries the REST API
// and the admin UI run most, over a book of clients (each with a contract and an event), under
// each visibility a role gets. The "any" scope (management) is the baseline the scoped queries
// are compared with in the same run.
//
//	func BenchmarkStore(b *testing.B) {
//		storetest.Bench(b, func(b *testing.B) storetest.Store { return sqlitetest.New(b) })
//	}
func Bench(b *testing.B, newStore func(b *testing.B) Store) {
	const clients = 2000
	s := newStore(b)
	f := newFixture(b, s)
	var sales, support []*crm.User
	for i := 0; i < 10; i++ {
		sales = append(sales, f.user(crm.RoleSales))
		support = append(support, f.user(crm.RoleSupport))
	}
	for i := 0; i < clients; i++ {
		c := f.client(&sales[i%len(sales)].ID, func(c *crm.Client) { c.Company = fmt.Sprintf("Company %d", i) })
		k := f.contract(c)
		f.event(k, &support[i%len(support)].ID)
	}
	me, helper := sales[0].ID, support[0].ID
	scopes := []struct {
		name string
		vis  crm.Visibility
	}{
		{"any", crm.Everything},
		{"own", crm.Visibility{OwnerID: &me}},
		{"assigned", crm.Visibility{SupportID: &helper}},
	}
	page := crm.ListOptions{Limit: 50, Sort: "id"}
	run := func(name string, query func() error) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := query(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, sc := range scopes {
		vis := uniform(sc.vis)
		run("ListClients/"+sc.name, func() error {
			_, _, err := s.ListClients(f.ctx, crm.ClientFilter{ListOptions: page}, vis)
			return err
		})
		run("SearchClients/"+sc.name, func() error {
			_, _, err := s.ListClients(f.ctx, crm.ClientFilter{Q: "company 1", ListOptions: page}, vis)
			return err
		})
		run("CountContracts/"+sc.name, func() error {
			_, err := s.CountContracts(f.ctx, crm.ContractFilter{Unpaid: true}, vis)
			return err
		})
		run("ListEvents/"+sc.name, func() error {
			_, _, err := s.ListEvents(f.ctx, crm.EventFilter{ListOptions: crm.ListOptions{Limit: 50, Sort: "event_date"}}, vis)
			return err
		})
	}
	n := 0
	run("UpdateClient", func() error {
		n++
		_, err := s.UpdateClient(f.ctx, 1, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
			c.Phone = fmt.Sprintf("+33 1 %08d", n)
			return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceClient, 1, map[string][2]any{"phone": {nil, c.Phone}})}, nil
		})
		return err
	})
}
