package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The scope tests are generated: for every list and count, every field of its filter and every
// sort key the domain offers, and every role under the default policy, a record outside the
// caller's read scope that the query would match must change neither the result (the ids, in
// order, over all pages) nor the count, and a record inside it must change both (the positive
// control). A record is outside the scope when the caller cannot read it, or when a filter reads
// a related record (a contract's client_email reads its client) that the caller cannot read.
//
// The filters are enumerated by reflection over the crm filter types and the sort keys come
// from crm's Sortable lists, so a new sort key is covered at once, and a new filter field fails
// the test until a case in the tables below says what it reads and how a probe matches it.

// scopeRole is a caller of one role, with the Access the service computes for them.
type scopeRole struct {
	role crm.Role
	acc  crm.Access
}

// scopeWorld is the store of a scope test: two sales users (salesA, the sales caller, and
// salesB), two support users (supS, the support caller, and supT), and the callers of each role.
type scopeWorld struct {
	*fixture
	salesA, salesB, supS, supT *crm.User
	roles                      []scopeRole
	n                          int
}

func newScopeWorld(f *fixture) *scopeWorld {
	pol, err := policy.Default()
	require.NoError(f.t, err)
	w := &scopeWorld{fixture: f}
	m := f.user(crm.RoleManagement)
	w.salesA, w.salesB = f.user(crm.RoleSales), f.user(crm.RoleSales)
	w.supS, w.supT = f.user(crm.RoleSupport), f.user(crm.RoleSupport)
	for _, u := range []*crm.User{m, w.salesA, w.supS} {
		w.roles = append(w.roles, scopeRole{role: u.Role, acc: crm.ReadAccess(pol, u)})
	}
	return w
}

// probe is one chain of new records, every field of which is unique to it: a client, a contract
// of the client and an event of the contract, each with its own contacts.
type probe struct {
	n        int
	client   *crm.Client
	contract *crm.Contract
	event    *crm.Event
}

// probeConfig sets the contacts of a probe's records: which of them the callers own.
type probeConfig struct {
	clientSales, contractSales, eventSupport *int64
}

// configs are the ways a probe's records can fall in or out of the callers' scopes: each
// record's sales or support contact is the callers' own user, another one, or (for the event's
// support) nobody.
func (w *scopeWorld) configs() []probeConfig {
	var out []probeConfig
	for _, cs := range []*int64{&w.salesA.ID, &w.salesB.ID} {
		for _, ks := range []*int64{&w.salesA.ID, &w.salesB.ID} {
			if *cs == w.salesB.ID && *ks == w.salesB.ID {
				// Hiding both from salesA adds no case: each list is already checked with
				// its own record hidden (client=salesB or contract=salesB alone).
				continue
			}
			for _, es := range []*int64{&w.supS.ID, &w.supT.ID, nil} {
				out = append(out, probeConfig{clientSales: cs, contractSales: ks, eventSupport: es})
			}
		}
	}
	return out
}

// probe stores a new chain of records with the contacts of cfg.
func (w *scopeWorld) probe(cfg probeConfig) *probe {
	w.t.Helper()
	w.n++
	n := w.n
	p := &probe{n: n}
	p.client = w.client(cfg.clientSales, func(c *crm.Client) {
		c.FirstName, c.LastName = fmt.Sprintf("Pf%dq", n), fmt.Sprintf("Pl%dq", n)
		c.Email, c.Company = fmt.Sprintf("pe%dq@probe.example", n), fmt.Sprintf("Pc%dq", n)
	})
	p.contract = w.contract(p.client, func(k *crm.Contract) {
		k.SalesContactID = cfg.contractSales
		k.Amount, k.AmountDue = crm.Money(1_000_000+n), 1
		k.DateCreated = w.now.AddDate(0, 0, n)
	})
	p.event = w.event(p.contract, cfg.eventSupport, func(e *crm.Event) {
		e.Name, e.Location = fmt.Sprintf("Pn%dq", n), fmt.Sprintf("Po%dq", n)
		e.EventDate, e.Attendees = w.now.AddDate(1, 0, n), n
	})
	return p
}

// idOf returns the id of the probe's record of res.
func (p *probe) idOf(res crm.Resource) int64 {
	switch res {
	case crm.ResourceClient:
		return p.client.ID
	case crm.ResourceContract:
		return p.contract.ID
	case crm.ResourceEvent:
		return p.event.ID
	}
	panic("storetest: a probe has no " + string(res))
}

// readable reports whether acc can read the probe's record of res, as its own get says.
func (w *scopeWorld) readable(p *probe, res crm.Resource, acc crm.Access) bool {
	w.t.Helper()
	var err error
	switch res {
	case crm.ResourceClient:
		_, err = w.s.FindClient(w.ctx, p.client.ID, acc.Clients)
	case crm.ResourceContract:
		_, err = w.s.FindContract(w.ctx, p.contract.ID, acc.Contracts)
	case crm.ResourceEvent:
		_, err = w.s.FindEvent(w.ctx, p.event.ID, acc.Events)
	}
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return false
	}
	require.NoError(w.t, err)
	return true
}

// mutate changes every field of the probe's record of res that a sort could read, to values
// that sort before (low) or after (high) any other.
func (w *scopeWorld) mutate(p *probe, res crm.Resource, low bool) {
	w.t.Helper()
	text, amount, day := "~~~~", crm.MaxMoney, w.now.AddDate(100, 0, 0)
	if low {
		text, amount, day = "!!!!", 0, w.now.AddDate(-100, 0, 0)
	}
	switch res {
	case crm.ResourceClient:
		_, err := w.s.UpdateClient(w.ctx, p.client.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
			c.FirstName, c.LastName, c.Company = text, text, text
			c.Email = fmt.Sprintf("%s%d@probe.example", text, p.n)
			c.DateUpdated = day
			return nil, nil
		})
		require.NoError(w.t, err)
	case crm.ResourceContract:
		_, err := w.s.UpdateContract(w.ctx, p.contract.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
			k.Amount, k.AmountDue, k.DateUpdated = amount, amount/2, day
			return crm.ContractChange{}, nil
		})
		require.NoError(w.t, err)
	case crm.ResourceEvent:
		_, err := w.s.UpdateEvent(w.ctx, p.event.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
			e.Name, e.Location, e.EventDate, e.DateUpdated = text, text, day, day
			e.Attendees = map[bool]int{true: 0, false: 1_000_000}[low]
			return nil, nil
		})
		require.NoError(w.t, err)
	}
}

// scopeCase is one query of a scope test: a filter field or a sort key.
type scopeCase[F any] struct {
	// name is the filter's field name in F, or "sort=" and the sort key.
	name string
	// reads is the resource whose record the filter field tests: the listed resource for its
	// own fields (those shown on the record), or a related one (a contract's client_email).
	reads crm.Resource
	// set makes f match the probe p; false when p cannot match (an unassigned-event filter on a
	// probe whose event has a support contact).
	set func(f *F, p *probe) bool
	// sort is true for a sort case, whose order must not depend on records out of scope.
	sort bool
	// never is a role whose scope no probe matching the case can be within, so that its
	// positive control cannot run (support reads only the events assigned to them, so never an
	// unassigned one).
	never crm.Role
}

// scopeList is one list and its count, with the cases of its filter fields.
type scopeList[F, T any] struct {
	res   crm.Resource
	cases []scopeCase[F]
	// sortable is crm's list of the list's sort keys.
	sortable []string
	options  func(f *F) *crm.ListOptions
	list     func(ctx context.Context, f F, acc crm.Access) ([]T, string, error)
	count    func(ctx context.Context, f F, acc crm.Access) (int, error)
	id       func(T) int64
}

// scopeResult is what a caller sees of one query: the ids over every page, and the count.
type scopeResult struct {
	IDs   []int64
	Count int
}

// query runs the list of f as acc, through every page, and its count.
func (l scopeList[F, T]) query(t *testing.T, f F, acc crm.Access) scopeResult {
	t.Helper()
	ctx := context.Background()
	rows := collect(t, func(cursor string) ([]T, string, error) {
		g := f
		o := l.options(&g)
		o.Limit, o.Cursor = 40, cursor
		return l.list(ctx, g, acc)
	})
	g := f
	*l.options(&g) = crm.ListOptions{}
	n, err := l.count(ctx, g, acc)
	require.NoError(t, err)
	return scopeResult{IDs: ids(rows, l.id), Count: n}
}

// filterFields returns the names of the filter fields of F: its exported fields but the
// embedded paging options.
func filterFields[F any]() []string {
	var out []string
	typ := reflect.TypeFor[F]()
	for i := 0; i < typ.NumField(); i++ {
		if fd := typ.Field(i); fd.IsExported() && !fd.Anonymous {
			out = append(out, fd.Name)
		}
	}
	return out
}

// checkCases fails the test unless the cases cover every filter field of F exactly once and
// each case's set touches only its own field.
func checkCases[F any](t *testing.T, cases []scopeCase[F], sample *probe) {
	t.Helper()
	var named []string
	for _, c := range cases {
		if c.sort {
			continue
		}
		named = append(named, c.name)
		var f F
		if !c.set(&f, sample) {
			continue
		}
		v := reflect.ValueOf(f)
		for _, name := range filterFields[F]() {
			assert.Equal(t, name == c.name, !v.FieldByName(name).IsZero(),
				"the case %s of %T sets %s", c.name, f, name)
		}
	}
	assert.ElementsMatch(t, filterFields[F](), named,
		"every filter field of %T needs a scope case here: say what it reads and how a probe matches it", *new(F))
}

// sortCases returns a case per sort key of sortable. The direction alternates from probe to
// probe (descending for an even probe number), so that both are checked.
func sortCases[F any](res crm.Resource, sortable []string, options func(f *F) *crm.ListOptions) []scopeCase[F] {
	var out []scopeCase[F]
	for _, key := range sortable {
		out = append(out, scopeCase[F]{name: "sort=" + key, reads: res, sort: true,
			set: func(f *F, p *probe) bool {
				options(f).Sort = key
				if p.n%2 == 0 {
					options(f).Sort = "-" + key
				}
				return true
			}})
	}
	return out
}

// scopeRun is one case run on one probe: its filter and what each role saw with the probe.
type scopeRun[F any] struct {
	c    scopeCase[F]
	f    F
	with map[crm.Role]scopeResult
}

// runScope runs every case of l against every probe configuration and role. For each
// configuration it stores a probe, queries every case as each role, removes the probe and
// queries again: the two results must be equal when the probe is outside the role's scope, and
// differ by exactly the probe when it is inside.
func runScope[F, T any](t *testing.T, w *scopeWorld, l scopeList[F, T]) {
	sample := w.probe(w.configs()[0])
	checkCases(t, l.cases, sample)
	w.remove(sample)
	for _, cfg := range w.configs() {
		w.background(cfg)
	}
	cases := slices.Concat(l.cases, sortCases(l.res, l.sortable, l.options))
	in, out := map[string]map[crm.Role]int{}, map[string]map[crm.Role]int{}
	for _, c := range cases {
		in[c.name], out[c.name] = map[crm.Role]int{}, map[crm.Role]int{}
	}
	parent := w.t
	for _, cfg := range w.configs() {
		t.Run(w.describe(cfg), func(t *testing.T) {
			// The subtests run one after the other: the fixture's helpers fail this one.
			w.t = t
			defer func() { w.t = parent }()
			p := w.probe(cfg)
			readable := map[crm.Role]map[crm.Resource]bool{}
			for _, r := range w.roles {
				readable[r.role] = map[crm.Resource]bool{}
				for _, res := range []crm.Resource{crm.ResourceClient, crm.ResourceContract, crm.ResourceEvent} {
					readable[r.role][res] = w.readable(p, res, r.acc)
				}
			}
			var runs []scopeRun[F]
			for _, c := range cases {
				run := scopeRun[F]{c: c, with: map[crm.Role]scopeResult{}}
				if !c.set(&run.f, p) {
					continue
				}
				for _, r := range w.roles {
					run.with[r.role] = l.query(t, run.f, r.acc)
				}
				runs = append(runs, run)
			}
			for _, run := range runs {
				if run.c.sort {
					sortIgnoresHidden(t, w, l, run, p, readable)
				}
			}
			w.remove(p)
			id := p.idOf(l.res)
			for _, run := range runs {
				for _, r := range w.roles {
					without := l.query(t, run.f, r.acc)
					got := run.with[r.role]
					if !readable[r.role][l.res] || !readable[r.role][run.c.reads] {
						out[run.c.name][r.role]++
						assert.Equal(t, without, got, "%s, %s: a probe outside the scope changes the result or the count", run.c.name, r.role)
						continue
					}
					in[run.c.name][r.role]++
					assert.Contains(t, got.IDs, id, "%s, %s: a probe within the scope is listed", run.c.name, r.role)
					assert.Equal(t, without.Count+1, got.Count, "%s, %s: a probe within the scope is counted", run.c.name, r.role)
					assert.Equal(t, without.IDs, slices.DeleteFunc(slices.Clone(got.IDs), func(x int64) bool { return x == id }),
						"%s, %s: a probe within the scope changes the list by itself only", run.c.name, r.role)
				}
			}
		})
	}
	for _, c := range cases {
		for _, r := range w.roles {
			if r.role == c.never {
				assert.Zero(t, in[c.name][r.role], "%s, %s: a probe was within the scope", c.name, r.role)
			} else {
				assert.Positive(t, in[c.name][r.role], "%s, %s: no probe was within the scope: the positive control did not run", c.name, r.role)
			}
			if r.role != crm.RoleManagement {
				assert.Positive(t, out[c.name][r.role], "%s, %s: no probe was outside the scope", c.name, r.role)
			}
		}
	}
}

// describe names a probe configuration after the users it names.
func (w *scopeWorld) describe(cfg probeConfig) string {
	name := func(id *int64) string {
		switch {
		case id == nil:
			return "nobody"
		case *id == w.salesA.ID:
			return "salesA"
		case *id == w.salesB.ID:
			return "salesB"
		case *id == w.supS.ID:
			return "supS"
		}
		return "supT"
	}
	return fmt.Sprintf("client=%s,contract=%s,event=%s", name(cfg.clientSales), name(cfg.contractSales), name(cfg.eventSupport))
}

// sortIgnoresHidden checks that a sorted list does not order the records a caller can read by
// the fields of related records they cannot read: changing those to the lowest and the highest
// values leaves the result of each such caller as it was with the probe (run.with).
func sortIgnoresHidden[F, T any](t *testing.T, w *scopeWorld, l scopeList[F, T], run scopeRun[F], p *probe,
	readable map[crm.Role]map[crm.Resource]bool) {
	t.Helper()
	for _, res := range []crm.Resource{crm.ResourceClient, crm.ResourceContract, crm.ResourceEvent} {
		if res == l.res {
			continue
		}
		var blind []scopeRole
		for _, r := range w.roles {
			if readable[r.role][l.res] && !readable[r.role][res] {
				blind = append(blind, r)
			}
		}
		if len(blind) == 0 {
			continue
		}
		for _, low := range []bool{true, false} {
			w.mutate(p, res, low)
			for _, r := range blind {
				assert.Equal(t, run.with[r.role], l.query(t, run.f, r.acc),
					"%s, %s: changing the %s of a probe, which they cannot read, changes the sorted list", run.c.name, r.role, res)
			}
		}
	}
}

// background stores a chain of records with the contacts of cfg that stays for the whole test,
// so that the lists the probes are compared on are not empty.
func (w *scopeWorld) background(cfg probeConfig) { w.probe(cfg) }

// remove deletes the records of a probe.
func (w *scopeWorld) remove(p *probe) {
	w.t.Helper()
	require.NoError(w.t, w.s.DeleteEvent(w.ctx, p.event.ID, crm.EveryWrite, keep[*crm.Event]))
	require.NoError(w.t, w.s.DeleteContract(w.ctx, p.contract.ID, crm.EveryWrite, keep[*crm.Contract]))
	require.NoError(w.t, w.s.DeleteClient(w.ctx, p.client.ID, crm.EveryWrite, keep[*crm.Client]))
}

// day returns the day of t, for the filters on a day.
func day(t time.Time) *crm.Date { return crm.Ptr(crm.DateOf(t)) }

// always makes a case's set that cannot fail.
func always[F any](set func(f *F, p *probe)) func(f *F, p *probe) bool {
	return func(f *F, p *probe) bool { set(f, p); return true }
}

func testScopeClients(t *testing.T, f *fixture) {
	type F = crm.ClientFilter
	cl := crm.ResourceClient
	runScope(t, newScopeWorld(f), scopeList[F, *crm.Client]{
		res: cl, sortable: crm.ClientSortable,
		options: func(f *F) *crm.ListOptions { return &f.ListOptions },
		list:    f.s.ListClients, count: f.s.CountClients, id: clientID,
		cases: []scopeCase[F]{
			{name: "Q", reads: cl, set: always(func(f *F, p *probe) { f.Q = p.client.Company })},
			{name: "FirstName", reads: cl, set: always(func(f *F, p *probe) { f.FirstName = p.client.FirstName })},
			{name: "LastName", reads: cl, set: always(func(f *F, p *probe) { f.LastName = p.client.LastName })},
			{name: "Email", reads: cl, set: always(func(f *F, p *probe) { f.Email = p.client.Email })},
			{name: "Company", reads: cl, set: always(func(f *F, p *probe) { f.Company = p.client.Company })},
			{name: "Status", reads: cl, set: always(func(f *F, p *probe) { f.Status = p.client.Status })},
			{name: "SalesContactID", reads: cl, set: always(func(f *F, p *probe) { f.SalesContactID = p.client.SalesContactID })},
		},
	})
}

func testScopeContracts(t *testing.T, f *fixture) {
	type F = crm.ContractFilter
	cl, k := crm.ResourceClient, crm.ResourceContract
	runScope(t, newScopeWorld(f), scopeList[F, *crm.Contract]{
		res: k, sortable: crm.ContractSortable,
		options: func(f *F) *crm.ListOptions { return &f.ListOptions },
		list:    f.s.ListContracts, count: f.s.CountContracts, id: contractID,
		cases: []scopeCase[F]{
			// The client's fields, which only a caller who can read the client may search.
			{name: "Q", reads: cl, set: always(func(f *F, p *probe) { f.Q = p.client.Company })},
			{name: "ClientFirstName", reads: cl, set: always(func(f *F, p *probe) { f.ClientFirstName = p.client.FirstName })},
			{name: "ClientLastName", reads: cl, set: always(func(f *F, p *probe) { f.ClientLastName = p.client.LastName })},
			{name: "ClientEmail", reads: cl, set: always(func(f *F, p *probe) { f.ClientEmail = p.client.Email })},
			// The contract's own fields, client_id included: the contract shows it.
			{name: "ClientID", reads: k, set: always(func(f *F, p *probe) { f.ClientID = &p.client.ID })},
			{name: "SalesContactID", reads: k, set: always(func(f *F, p *probe) { f.SalesContactID = p.contract.SalesContactID })},
			{name: "Amount", reads: k, set: always(func(f *F, p *probe) { f.Amount = &p.contract.Amount })},
			{name: "AmountMin", reads: k, set: always(func(f *F, p *probe) { f.AmountMin = &p.contract.Amount })},
			{name: "AmountMax", reads: k, set: always(func(f *F, p *probe) { f.AmountMax = &p.contract.Amount })},
			{name: "DateCreated", reads: k, set: always(func(f *F, p *probe) { f.DateCreated = day(p.contract.DateCreated) })},
			{name: "Status", reads: k, set: always(func(f *F, p *probe) { f.Status = p.contract.Status })},
			{name: "Unpaid", reads: k, set: always(func(f *F, p *probe) { f.Unpaid = p.contract.AmountDue > 0 })},
		},
	})
}

func testScopeEvents(t *testing.T, f *fixture) {
	type F = crm.EventFilter
	cl, e := crm.ResourceClient, crm.ResourceEvent
	runScope(t, newScopeWorld(f), scopeList[F, *crm.Event]{
		res: e, sortable: crm.EventSortable,
		options: func(f *F) *crm.ListOptions { return &f.ListOptions },
		list:    f.s.ListEvents, count: f.s.CountEvents, id: eventID,
		cases: []scopeCase[F]{
			// The client's fields, which only a caller who can read the client may search.
			{name: "ClientFirstName", reads: cl, set: always(func(f *F, p *probe) { f.ClientFirstName = p.client.FirstName })},
			{name: "ClientEmail", reads: cl, set: always(func(f *F, p *probe) { f.ClientEmail = p.client.Email })},
			// The event's own fields. Its client and sales contact come from its contract, but
			// the event shows them: filtering on them tells nothing the event does not.
			{name: "Q", reads: e, set: always(func(f *F, p *probe) { f.Q = p.event.Location })},
			{name: "ContractID", reads: e, set: always(func(f *F, p *probe) { f.ContractID = &p.contract.ID })},
			{name: "ClientID", reads: e, set: always(func(f *F, p *probe) { f.ClientID = &p.client.ID })},
			{name: "SalesContactID", reads: e, set: always(func(f *F, p *probe) { f.SalesContactID = p.contract.SalesContactID })},
			{name: "SupportContactID", reads: e, set: func(f *F, p *probe) bool {
				f.SupportContactID = p.event.SupportContactID
				return f.SupportContactID != nil
			}},
			{name: "Unassigned", reads: e, never: crm.RoleSupport, set: func(f *F, p *probe) bool {
				f.Unassigned = p.event.SupportContactID == nil
				return f.Unassigned
			}},
			{name: "EventDate", reads: e, set: always(func(f *F, p *probe) { f.EventDate = day(p.event.EventDate) })},
			{name: "From", reads: e, set: always(func(f *F, p *probe) { f.From = &p.event.EventDate })},
			{name: "To", reads: e, set: always(func(f *F, p *probe) { f.To = crm.Ptr(p.event.EventDate.Add(time.Second)) })},
			{name: "Status", reads: e, set: always(func(f *F, p *probe) { f.Status = p.event.Status })},
		},
	})
}

// testScopeUsers is the scope test of the users list, whose scopes are "any" (management) and
// "self" (sales and support). Each probe is two new users who match the query: one is the
// caller of the self scopes, the other is someone else. Removing the other must change only
// management's result; removing the caller must change everyone's.
func testScopeUsers(t *testing.T, f *fixture) {
	type F = crm.UserFilter
	pol, err := policy.Default()
	require.NoError(t, err)
	m := f.user(crm.RoleManagement)
	for i := 0; i < 3; i++ {
		f.user(crm.Roles[i%3])
	}
	l := scopeList[F, *crm.User]{
		res: crm.ResourceUser, sortable: crm.UserSortable,
		options: func(f *F) *crm.ListOptions { return &f.ListOptions },
		list:    f.s.ListUsers, count: f.s.CountUsers, id: userID,
	}
	// A probe user n has a username, email and names unique to it, the support role and is
	// inactive, so that each case matches it.
	probeUser := func(n int) *crm.User {
		return f.user(crm.RoleSupport, func(u *crm.User) {
			u.Username, u.Email = fmt.Sprintf("pu%dq", n), fmt.Sprintf("pu%dq@probe.example", n)
			u.FirstName, u.LastName, u.IsActive = fmt.Sprintf("Pf%dq", n), fmt.Sprintf("Pl%dq", n), false
		})
	}
	cases := []scopeCase[F]{
		{name: "Q", set: always(func(f *F, p *probe) { f.Q = fmt.Sprintf("pu%dq", p.n) })},
		{name: "Username", set: always(func(f *F, p *probe) { f.Username = fmt.Sprintf("pu%dq", p.n) })},
		{name: "Email", set: always(func(f *F, p *probe) { f.Email = fmt.Sprintf("pu%dq@probe.example", p.n) })},
		{name: "FirstName", set: always(func(f *F, p *probe) { f.FirstName = fmt.Sprintf("Pf%dq", p.n) })},
		{name: "LastName", set: always(func(f *F, p *probe) { f.LastName = fmt.Sprintf("Pl%dq", p.n) })},
		{name: "Role", set: always(func(f *F, _ *probe) { f.Role = crm.RoleSupport })},
		{name: "IsActive", set: always(func(f *F, _ *probe) { f.IsActive = crm.Ptr(false) })},
	}
	checkCases(t, cases, &probe{n: 1})
	parent := f.t
	for _, c := range slices.Concat(cases, sortCases(l.res, l.sortable, l.options)) {
		t.Run(c.name, func(t *testing.T) {
			// The subtests run one after the other: the fixture's helpers fail this one.
			f.t = t
			defer func() { f.t = parent }()
			n := f.next()
			caller, other := probeUser(n), probeUser(f.next())
			var filter F
			c.set(&filter, &probe{n: n})
			if c.name == "Q" || c.name == "Username" || c.name == "Email" || c.name == "FirstName" || c.name == "LastName" {
				// The text cases match the caller only: make the other match them too.
				_, err := f.s.UpdateUser(f.ctx, other.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
					u.Username, u.Email = fmt.Sprintf("pu%dqo", n), fmt.Sprintf("opu%dq@probe.example", n)
					u.FirstName, u.LastName = fmt.Sprintf("Pf%dqo", n), fmt.Sprintf("Pl%dqo", n)
					return nil, nil
				})
				require.NoError(t, err)
			}
			accs := map[crm.Role]crm.Access{}
			for _, r := range crm.Roles {
				u := caller
				if r == crm.RoleManagement {
					u = m
				}
				accs[r] = crm.ReadAccess(pol, &crm.User{ID: u.ID, Role: r})
			}
			results := func() map[crm.Role]scopeResult {
				out := map[crm.Role]scopeResult{}
				for r, acc := range accs {
					out[r] = l.query(t, filter, acc)
				}
				return out
			}
			// without is res without the user id, which it lists.
			without := func(res scopeResult, id int64) scopeResult {
				return scopeResult{Count: res.Count - 1, IDs: slices.DeleteFunc(slices.Clone(res.IDs), func(x int64) bool { return x == id })}
			}
			both := results()
			for r := range accs {
				assert.Contains(t, both[r].IDs, caller.ID, "%s: the caller matches", r)
			}
			require.NoError(t, f.s.DeleteUser(f.ctx, other.ID, crm.EveryWrite, keep[*crm.User]))
			one := results()
			for r := range accs {
				if r == crm.RoleManagement {
					assert.Equal(t, without(both[r], other.ID), one[r], "%s: another user within the scope is listed and counted", r)
				} else {
					assert.Equal(t, both[r], one[r], "%s: another user outside the scope changes the result or the count", r)
				}
			}
			require.NoError(t, f.s.DeleteUser(f.ctx, caller.ID, crm.EveryWrite, keep[*crm.User]))
			none := results()
			for r := range accs {
				assert.Equal(t, without(one[r], caller.ID), none[r], "%s: the caller, within every scope, is listed and counted", r)
			}
		})
	}
}
