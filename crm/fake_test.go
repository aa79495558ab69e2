package crm_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// memStore is an in-memory fake of every store port, for the domain's unit tests. It applies
// visibility like the real stores do, and just enough filtering for the tests that use it; a
// count matches exactly what its list does.
type memStore struct {
	mu        sync.Mutex
	nextID    int64
	users     map[int64]*crm.User
	clients   map[int64]*crm.Client
	contracts map[int64]*crm.Contract
	events    map[int64]*crm.Event
	audit     []crm.AuditEntry
	failures  map[string][]loginRow
	// lastVis records the visibility of the listed resource in the last list or count call, and
	// lastAccess its whole Access, to check what the service asks for.
	lastVis    crm.Visibility
	lastAccess crm.Access
	// counted records the list options of the last count call, which the service must clear.
	counted crm.ListOptions
	// fail, when set, is returned by every write.
	fail error
	// inTx tells that InTx is running.
	inTx bool
}

func newMemStore() *memStore {
	return &memStore{
		users: map[int64]*crm.User{}, clients: map[int64]*crm.Client{},
		contracts: map[int64]*crm.Contract{}, events: map[int64]*crm.Event{},
		failures: map[string][]loginRow{},
	}
}

func notFound() error { return crm.Errorf(crm.ENOTFOUND, "not found") }

// written decides a write as the stores do: ENOTFOUND for a missing record or one outside
// ws.Read, crm.ErrNotWritable for one outside ws.Write, nil otherwise. visible tells whether the
// record is within a Visibility.
func written(found bool, visible func(crm.Visibility) bool, ws crm.WriteScope) error {
	switch {
	case !found || !visible(ws.Read):
		return notFound()
	case !visible(ws.Write):
		return crm.ErrNotWritable
	}
	return nil
}

func eq(a *int64, b int64) bool { return a != nil && *a == b }

// hasAssignedEvent reports whether some event matching pred is supported by id.
func (m *memStore) hasAssignedEvent(id int64, pred func(*crm.Event) bool) bool {
	for _, e := range m.events {
		if pred(e) && eq(e.SupportContactID, id) {
			return true
		}
	}
	return false
}

func (m *memStore) userVisible(u *crm.User, v crm.Visibility) bool {
	return v.Any || v.SelfID != nil && *v.SelfID == u.ID
}

func (m *memStore) clientVisible(c *crm.Client, v crm.Visibility) bool {
	if v.Any || v.OwnerID != nil && eq(c.SalesContactID, *v.OwnerID) {
		return true
	}
	return v.SupportID != nil && m.hasAssignedEvent(*v.SupportID, func(e *crm.Event) bool { return m.contracts[e.ContractID].ClientID == c.ID })
}

func (m *memStore) contractVisible(c *crm.Contract, v crm.Visibility) bool {
	if v.Any || v.OwnerID != nil && eq(c.SalesContactID, *v.OwnerID) {
		return true
	}
	return v.SupportID != nil && m.hasAssignedEvent(*v.SupportID, func(e *crm.Event) bool { return e.ContractID == c.ID })
}

func (m *memStore) eventVisible(e *crm.Event, v crm.Visibility) bool {
	return v.Any || v.OwnerID != nil && eq(m.contracts[e.ContractID].SalesContactID, *v.OwnerID) ||
		v.SupportID != nil && eq(e.SupportContactID, *v.SupportID)
}

func (m *memStore) writeAudit(entries []crm.AuditEntry, id int64) {
	for _, e := range entries {
		if e.ResourceID == 0 {
			e.ResourceID = id
		}
		m.nextID++
		e.ID = m.nextID
		m.audit = append(m.audit, e)
	}
}

// page sorts items by id and cuts one page after the cursor (the last id seen).
func page[T any](items []*T, id func(*T) int64, o crm.ListOptions) ([]*T, string, error) {
	sort.Slice(items, func(i, j int) bool { return id(items[i]) < id(items[j]) })
	var after int64
	if o.Cursor != "" {
		n, err := strconv.ParseInt(o.Cursor, 10, 64)
		if err != nil {
			return nil, "", crm.Errorf(crm.EMALFORMED, "bad cursor")
		}
		after = n
	}
	var out []*T
	for _, it := range items {
		if id(it) > after {
			out = append(out, it)
		}
	}
	if len(out) > o.Limit {
		out = out[:o.Limit]
		return out, strconv.FormatInt(id(out[len(out)-1]), 10), nil
	}
	return out, "", nil
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

// Users.

func (m *memStore) CreateUser(_ context.Context, u *crm.User, a []crm.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if err := m.userTaken(u, 0); err != nil {
		return err
	}
	m.nextID++
	u.ID, u.Version = m.nextID, 1
	c := *u
	m.users[u.ID] = &c
	m.writeAudit(a, u.ID)
	return nil
}

// userTaken returns the conflict, naming the field as the stores do, of writing u (id 0 for a
// new user) when another user has its username, username skeleton or email key.
func (m *memStore) userTaken(u *crm.User, id int64) error {
	for _, o := range m.users {
		if o.ID == id {
			continue
		}
		field := ""
		switch {
		case o.Username == u.Username || crm.UsernameSkeleton(o.Username) == crm.UsernameSkeleton(u.Username):
			field = "username"
		case crm.EmailKey(o.Email) == crm.EmailKey(u.Email):
			field = "email"
		default:
			continue
		}
		return &crm.Error{Code: crm.ECONFLICT, Message: "username or email already in use",
			Fields: []crm.FieldError{{Field: field, Message: "is already in use"}}}
	}
	return nil
}

func (m *memStore) FindUser(_ context.Context, id int64, v crm.Visibility) (*crm.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.users[id]; ok && m.userVisible(u, v) {
		c := *u
		return &c, nil
	}
	return nil, notFound()
}

func (m *memStore) FindUserByUsername(_ context.Context, name string) (*crm.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if strings.ContainsRune(name, 0) {
		// PostgreSQL refuses NUL in text parameters (SQLSTATE 22021).
		return nil, crm.Internal(errors.New("invalid byte sequence for encoding UTF8: 0x00"))
	}
	for _, u := range m.users {
		if u.Username == name {
			c := *u
			return &c, nil
		}
	}
	return nil, notFound()
}

// matchingUsers returns copies of the users within acc that match f, and records acc as the last access.
func (m *memStore) matchingUsers(f crm.UserFilter, acc crm.Access) []*crm.User {
	m.lastVis, m.lastAccess = acc.Users, acc
	v := acc.Users
	var out []*crm.User
	for _, u := range m.users {
		if m.userVisible(u, v) && (f.Role == "" || u.Role == f.Role) && contains(u.Username, f.Q) {
			c := *u
			out = append(out, &c)
		}
	}
	return out
}

func (m *memStore) ListUsers(_ context.Context, f crm.UserFilter, acc crm.Access) ([]*crm.User, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return page(m.matchingUsers(f, acc), func(u *crm.User) int64 { return u.ID }, f.ListOptions)
}

func (m *memStore) CountUsers(_ context.Context, f crm.UserFilter, acc crm.Access) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counted = f.ListOptions
	return len(m.matchingUsers(f, acc)), nil
}

func (m *memStore) UpdateUser(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) (*crm.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.userVisible(u, v) }, ws); err != nil {
		return nil, err
	}
	c := *u
	a, err := fn(&c)
	if err != nil {
		return nil, err
	}
	if m.fail != nil {
		return nil, m.fail
	}
	if err := m.userTaken(&c, id); err != nil {
		return nil, err
	}
	c.Version++
	m.users[id] = &c
	m.writeAudit(a, id)
	out := c
	return &out, nil
}

func (m *memStore) referenced(userID int64) bool {
	for _, c := range m.clients {
		if eq(c.SalesContactID, userID) {
			return true
		}
	}
	for _, c := range m.contracts {
		if eq(c.SalesContactID, userID) {
			return true
		}
	}
	return m.hasAssignedEvent(userID, func(*crm.Event) bool { return true })
}

func (m *memStore) DeleteUser(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.userVisible(u, v) }, ws); err != nil {
		return err
	}
	a, err := fn(u)
	if err != nil {
		return err
	}
	if m.referenced(id) {
		return crm.Errorf(crm.ECONFLICT, "referenced")
	}
	delete(m.users, id)
	m.writeAudit(a, id)
	return nil
}

// Clients.

func (m *memStore) CreateClient(_ context.Context, c *crm.Client, a []crm.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.nextID++
	c.ID, c.Version = m.nextID, 1
	cp := *c
	m.clients[c.ID] = &cp
	m.writeAudit(a, c.ID)
	return nil
}

func (m *memStore) FindClient(_ context.Context, id int64, v crm.Visibility) (*crm.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clients[id]; ok && m.clientVisible(c, v) {
		cp := *c
		return &cp, nil
	}
	return nil, notFound()
}

// clientMatches reports whether c matches the free-text search q, as the stores read it.
func clientMatches(c *crm.Client, q string) bool {
	return contains(c.FirstName, q) || contains(c.LastName, q) || contains(c.Email, q) || contains(c.Company, q)
}

// clientFilter reports whether the client with id matches the client filters of a contract or
// event list (q on its names, email and company; the others on one field each), which reach
// only the clients within acc: with any of them set, a client outside acc matches none.
func (m *memStore) clientFilter(id int64, acc crm.Access, q, firstName, lastName, email string) bool {
	if q == "" && firstName == "" && lastName == "" && email == "" {
		return true
	}
	c := m.clients[id]
	return m.clientVisible(c, acc.Clients) && clientMatches(c, q) && contains(c.FirstName, firstName) &&
		contains(c.LastName, lastName) && contains(c.Email, email)
}

// matchingClients returns copies of the clients within acc that match f, and records acc as the last
// access.
func (m *memStore) matchingClients(f crm.ClientFilter, acc crm.Access) []*crm.Client {
	m.lastVis, m.lastAccess = acc.Clients, acc
	v := acc.Clients
	var out []*crm.Client
	for _, c := range m.clients {
		if m.clientVisible(c, v) && (f.Status == "" || c.Status == f.Status) && clientMatches(c, f.Q) &&
			(f.SalesContactID == nil || eq(c.SalesContactID, *f.SalesContactID)) {
			cp := *c
			out = append(out, &cp)
		}
	}
	return out
}

func (m *memStore) ListClients(_ context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return page(m.matchingClients(f, acc), func(c *crm.Client) int64 { return c.ID }, f.ListOptions)
}

func (m *memStore) CountClients(_ context.Context, f crm.ClientFilter, acc crm.Access) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counted = f.ListOptions
	return len(m.matchingClients(f, acc)), nil
}

func (m *memStore) UpdateClient(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) (*crm.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.clientVisible(c, v) }, ws); err != nil {
		return nil, err
	}
	cp := *c
	a, err := fn(&cp)
	if err != nil {
		return nil, err
	}
	if m.fail != nil {
		return nil, m.fail
	}
	cp.Version++
	m.clients[id] = &cp
	m.writeAudit(a, id)
	out := cp
	return &out, nil
}

func (m *memStore) DeleteClient(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.clientVisible(c, v) }, ws); err != nil {
		return err
	}
	a, err := fn(c)
	if err != nil {
		return err
	}
	for _, k := range m.contracts {
		if k.ClientID == id {
			return crm.Errorf(crm.ECONFLICT, "referenced")
		}
	}
	delete(m.clients, id)
	m.writeAudit(a, id)
	return nil
}

// Contracts.

func (m *memStore) CreateContract(_ context.Context, c *crm.Contract, a []crm.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.nextID++
	c.ID, c.Version = m.nextID, 1
	cp := *c
	m.contracts[c.ID] = &cp
	m.writeAudit(a, c.ID)
	return nil
}

func (m *memStore) FindContract(_ context.Context, id int64, v crm.Visibility) (*crm.Contract, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.contracts[id]; ok && m.contractVisible(c, v) {
		cp := *c
		return &cp, nil
	}
	return nil, notFound()
}

// matchingContracts returns copies of the contracts within v that match f, and records v as the
// last visibility.
func (m *memStore) matchingContracts(f crm.ContractFilter, acc crm.Access) []*crm.Contract {
	m.lastVis, m.lastAccess = acc.Contracts, acc
	v := acc.Contracts
	var out []*crm.Contract
	for _, c := range m.contracts {
		if m.contractVisible(c, v) && (!f.Unpaid || c.AmountDue > 0) && (f.Status == "" || c.Status == f.Status) &&
			m.clientFilter(c.ClientID, acc, f.Q, f.ClientFirstName, f.ClientLastName, f.ClientEmail) &&
			(f.SalesContactID == nil || eq(c.SalesContactID, *f.SalesContactID)) {
			cp := *c
			out = append(out, &cp)
		}
	}
	return out
}

func (m *memStore) ListContracts(_ context.Context, f crm.ContractFilter, acc crm.Access) ([]*crm.Contract, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return page(m.matchingContracts(f, acc), func(c *crm.Contract) int64 { return c.ID }, f.ListOptions)
}

func (m *memStore) CountContracts(_ context.Context, f crm.ContractFilter, acc crm.Access) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counted = f.ListOptions
	return len(m.matchingContracts(f, acc)), nil
}

func (m *memStore) UpdateContract(_ context.Context, id int64, ws crm.WriteScope, sign crm.Visibility, fn func(*crm.Contract, *crm.Client, bool) (crm.ContractChange, error)) (*crm.Contract, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.contracts[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.contractVisible(c, v) }, ws); err != nil {
		return nil, err
	}
	cp, cl := *c, *m.clients[c.ClientID]
	change, err := fn(&cp, &cl, m.contractVisible(c, sign))
	if err != nil {
		return nil, err
	}
	if m.fail != nil {
		return nil, m.fail
	}
	cp.Version++
	m.contracts[id] = &cp
	if change.ClientChanged {
		cl.Version++
		m.clients[cl.ID] = &cl
	}
	m.writeAudit(change.Audit, id)
	out := cp
	return &out, nil
}

func (m *memStore) DeleteContract(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.Contract) ([]crm.AuditEntry, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.contracts[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.contractVisible(c, v) }, ws); err != nil {
		return err
	}
	a, err := fn(c)
	if err != nil {
		return err
	}
	for _, e := range m.events {
		if e.ContractID == id {
			return crm.Errorf(crm.ECONFLICT, "referenced")
		}
	}
	delete(m.contracts, id)
	m.writeAudit(a, id)
	return nil
}

// Events.

// derive fills an event's fields that come from its contract.
func (m *memStore) derive(e *crm.Event) {
	k := m.contracts[e.ContractID]
	e.ClientID, e.SalesContactID = k.ClientID, k.SalesContactID
}

func (m *memStore) CreateEvent(_ context.Context, e *crm.Event, a []crm.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if _, ok := m.contracts[e.ContractID]; !ok {
		return crm.Internal(errors.New("foreign key violation"))
	}
	m.nextID++
	e.ID, e.Version = m.nextID, 1
	m.derive(e)
	cp := *e
	m.events[e.ID] = &cp
	m.writeAudit(a, e.ID)
	return nil
}

func (m *memStore) FindEvent(_ context.Context, id int64, v crm.Visibility) (*crm.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.events[id]; ok && m.eventVisible(e, v) {
		cp := *e
		m.derive(&cp)
		return &cp, nil
	}
	return nil, notFound()
}

// matchingEvents returns copies of the events within acc that match f, and records acc as the last
// access.
func (m *memStore) matchingEvents(f crm.EventFilter, acc crm.Access) []*crm.Event {
	m.lastVis, m.lastAccess = acc.Events, acc
	v := acc.Events
	var out []*crm.Event
	for _, e := range m.events {
		if m.eventVisible(e, v) && (!f.Unassigned || e.SupportContactID == nil) && (f.Status == "" || e.Status == f.Status) &&
			(f.From == nil || !e.EventDate.Before(*f.From)) && (f.To == nil || e.EventDate.Before(*f.To)) &&
			(f.SupportContactID == nil || eq(e.SupportContactID, *f.SupportContactID)) &&
			m.clientFilter(m.contracts[e.ContractID].ClientID, acc, "", f.ClientFirstName, "", f.ClientEmail) &&
			(f.SalesContactID == nil || eq(m.contracts[e.ContractID].SalesContactID, *f.SalesContactID)) {
			cp := *e
			m.derive(&cp)
			out = append(out, &cp)
		}
	}
	return out
}

func (m *memStore) ListEvents(_ context.Context, f crm.EventFilter, acc crm.Access) ([]*crm.Event, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return page(m.matchingEvents(f, acc), func(e *crm.Event) int64 { return e.ID }, f.ListOptions)
}

func (m *memStore) CountEvents(_ context.Context, f crm.EventFilter, acc crm.Access) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counted = f.ListOptions
	return len(m.matchingEvents(f, acc)), nil
}

func (m *memStore) UpdateEvent(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) (*crm.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.events[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.eventVisible(e, v) }, ws); err != nil {
		return nil, err
	}
	cp := *e
	m.derive(&cp)
	a, err := fn(&cp)
	if err != nil {
		return nil, err
	}
	if m.fail != nil {
		return nil, m.fail
	}
	cp.Version++
	m.events[id] = &cp
	m.writeAudit(a, id)
	out := cp
	return &out, nil
}

func (m *memStore) DeleteEvent(_ context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.events[id]
	if err := written(ok, func(v crm.Visibility) bool { return m.eventVisible(e, v) }, ws); err != nil {
		return err
	}
	a, err := fn(e)
	if err != nil {
		return err
	}
	delete(m.events, id)
	m.writeAudit(a, id)
	return nil
}

// Audit and throttling.

func (m *memStore) ListAudit(_ context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*crm.AuditEntry
	for i := range m.audit {
		e := m.audit[i]
		if (f.ID == 0 || e.ID == f.ID) && (f.Resource == "" || e.Resource == f.Resource) && (f.ResourceID == 0 || e.ResourceID == f.ResourceID) &&
			(f.ActorID == 0 || e.ActorID == f.ActorID) && (f.Action == "" || e.Action == f.Action) &&
			(f.From == nil || !e.At.Before(*f.From)) && (f.To == nil || e.At.Before(*f.To)) {
			out = append(out, &e)
		}
	}
	return page(out, func(e *crm.AuditEntry) int64 { return e.ID }, f.ListOptions)
}

// loginRow is one attempt recorded under a throttling key: in flight while attempt is set, a
// failure once it is "".
type loginRow struct {
	at      time.Time
	attempt string
}

func (m *memStore) ReserveLoginAttempt(_ context.Context, a crm.LoginAttempt) (bool, []crm.LoginCount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counts := make([]crm.LoginCount, len(a.Keys))
	reserve := true
	for i, k := range a.Keys {
		c := &counts[i]
		for _, r := range m.failures[k.Key] {
			switch {
			case r.at.Before(a.Since):
			case r.attempt != "" && !r.at.Before(a.StaleBefore):
				c.InFlight++
			default:
				if c.Failures == 0 || r.at.Before(c.FirstFailure) {
					c.FirstFailure = r.at
				}
				c.Failures++
			}
		}
		reserve = reserve && c.Failures+c.InFlight < k.Limit
	}
	if reserve {
		for _, k := range a.Keys {
			m.failures[k.Key] = append(m.failures[k.Key], loginRow{at: a.At, attempt: a.ID})
		}
	}
	return reserve, counts, nil
}

func (m *memStore) FailLoginAttempt(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rows := range m.failures {
		for i := range rows {
			if rows[i].attempt == id {
				rows[i].attempt = ""
			}
		}
	}
	return nil
}

func (m *memStore) ReleaseLoginAttempt(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, rows := range m.failures {
		m.failures[k] = slices.DeleteFunc(rows, func(r loginRow) bool { return r.attempt == id })
	}
	return nil
}

func (m *memStore) ClearLoginFailures(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures[key] = slices.DeleteFunc(m.failures[key], func(r loginRow) bool { return r.attempt == "" })
	return nil
}

// loginRows returns how many failures and attempts in flight are recorded under key.
func (m *memStore) loginRows(key string) (failures, inFlight int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.failures[key] {
		if r.attempt == "" {
			failures++
		} else {
			inFlight++
		}
	}
	return failures, inFlight
}

// auditOf returns the audit entries recorded for one record, oldest first.
func (m *memStore) auditOf(res crm.Resource, id int64) []crm.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []crm.AuditEntry
	for _, e := range m.audit {
		if e.Resource == res && e.ResourceID == id {
			out = append(out, e)
		}
	}
	return out
}

func (m *memStore) RecordLogin(_ context.Context, id int64, at time.Time, rehash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return notFound()
	}
	c := *u
	c.LastLogin = &at
	if rehash != "" {
		c.PasswordHash = rehash
	}
	m.users[id] = &c
	return nil
}

// Batch reads.

func findMany[T any](m *memStore, all map[int64]*T, ids []int64, visible func(*T) bool) []*T {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*T
	seen := map[int64]bool{}
	for _, id := range ids {
		if x, ok := all[id]; ok && !seen[id] && visible(x) {
			seen[id] = true
			cp := *x
			out = append(out, &cp)
		}
	}
	return out
}

func (m *memStore) FindUsers(_ context.Context, ids []int64, v crm.Visibility) ([]*crm.User, error) {
	return findMany(m, m.users, ids, func(u *crm.User) bool { return m.userVisible(u, v) }), nil
}

func (m *memStore) FindClients(_ context.Context, ids []int64, v crm.Visibility) ([]*crm.Client, error) {
	return findMany(m, m.clients, ids, func(c *crm.Client) bool { return m.clientVisible(c, v) }), nil
}

func (m *memStore) FindContracts(_ context.Context, ids []int64, v crm.Visibility) ([]*crm.Contract, error) {
	return findMany(m, m.contracts, ids, func(k *crm.Contract) bool { return m.contractVisible(k, v) }), nil
}

func (m *memStore) FindEvents(_ context.Context, ids []int64, v crm.Visibility) ([]*crm.Event, error) {
	out := findMany(m, m.events, ids, func(e *crm.Event) bool { return m.eventVisible(e, v) })
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range out {
		m.derive(e)
	}
	return out, nil
}

func (m *memStore) FindContacts(_ context.Context, ids []int64, acc crm.Access) ([]*crm.User, error) {
	return findMany(m, m.users, ids, func(u *crm.User) bool {
		for _, c := range m.clients {
			if eq(c.SalesContactID, u.ID) && m.clientVisible(c, acc.Clients) {
				return true
			}
		}
		for _, k := range m.contracts {
			if eq(k.SalesContactID, u.ID) && m.contractVisible(k, acc.Contracts) {
				return true
			}
		}
		for _, e := range m.events {
			cp := *e
			m.derive(&cp)
			if (eq(cp.SupportContactID, u.ID) || eq(cp.SalesContactID, u.ID)) && m.eventVisible(e, acc.Events) {
				return true
			}
		}
		return false
	}), nil
}

// InTx runs fn over the store itself and, when fn fails, puts back the records and audit
// entries it held before: each write of the fake is all or nothing already, as the savepoints
// of a real store make a write inside a transaction.
func (m *memStore) InTx(_ context.Context, fn func(crm.TxStores) error) error {
	m.mu.Lock()
	users, clients, contracts, events := maps.Clone(m.users), maps.Clone(m.clients), maps.Clone(m.contracts), maps.Clone(m.events)
	audit := len(m.audit)
	m.inTx = true
	m.mu.Unlock()
	err := fn(crm.TxStores{Users: m, Clients: m, Contracts: m, Events: m, Audit: m})
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inTx = false
	if err != nil {
		m.users, m.clients, m.contracts, m.events, m.audit = users, clients, contracts, events, m.audit[:audit]
	}
	return err
}
