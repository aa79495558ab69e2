package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is one test's store and the helpers that fill it.
type fixture struct {
	t   testing.TB
	s   Store
	ctx context.Context
	// now is the base time of the records the fixture makes: microsecond precision, UTC.
	now time.Time
	seq int
}

// base is a fixed instant with every microsecond digit set, so that a store that loses
// precision fails the round-trip checks.
var base = time.Date(2026, time.March, 4, 10, 20, 30, 123456000, time.UTC)

func newFixture(t testing.TB, s Store) *fixture {
	return &fixture{t: t, s: s, ctx: context.Background(), now: base}
}

// next returns a number unique within the fixture, for unique names.
func (f *fixture) next() int {
	f.seq++
	return f.seq
}

// testActor is the actor of the fixture's audit entries. No user of a test has its id, which
// the audit log allows: it has no foreign keys.
const testActor = 1_000_000

// entry returns an audit entry of testActor.
func (f *fixture) entry(act crm.Action, res crm.Resource, id int64, changes map[string][2]any) crm.AuditEntry {
	return crm.AuditEntry{At: f.now, ActorID: testActor, Action: act, Resource: res, ResourceID: id, Changes: changes}
}

// user creates an active user of role, changed by opts before it is stored.
func (f *fixture) user(role crm.Role, opts ...func(*crm.User)) *crm.User {
	f.t.Helper()
	n := f.next()
	u := &crm.User{
		Username: fmt.Sprintf("user%d", n), Email: fmt.Sprintf("user%d@example.com", n),
		FirstName: "First", LastName: "Last", Role: role, IsActive: true, DateJoined: f.now,
		PasswordHash: "$argon2id$hash", AuthVersion: 1,
	}
	for _, o := range opts {
		o(u)
	}
	require.NoError(f.t, f.s.CreateUser(f.ctx, u, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, nil)}))
	return u
}

// client creates a potential client of the sales user salesID (nil for none).
func (f *fixture) client(salesID *int64, opts ...func(*crm.Client)) *crm.Client {
	f.t.Helper()
	n := f.next()
	c := &crm.Client{
		FirstName: "Ann", LastName: "Smith", Email: fmt.Sprintf("client%d@example.com", n), Phone: "+33 1 23 45 67 89",
		Company: "Acme", Status: crm.ClientPotential, SalesContactID: salesID, DateCreated: f.now, DateUpdated: f.now,
	}
	for _, o := range opts {
		o(c)
	}
	require.NoError(f.t, f.s.CreateClient(f.ctx, c, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, nil)}))
	return c
}

// contract creates a signed contract of client c, with the client's sales contact.
func (f *fixture) contract(c *crm.Client, opts ...func(*crm.Contract)) *crm.Contract {
	f.t.Helper()
	signed := f.now
	k := &crm.Contract{
		ClientID: c.ID, SalesContactID: c.SalesContactID, Amount: 150000, AmountDue: 50000,
		Status: crm.ContractSigned, SignedAt: &signed, DateCreated: f.now, DateUpdated: f.now,
	}
	for _, o := range opts {
		o(k)
	}
	require.NoError(f.t, f.s.CreateContract(f.ctx, k, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceContract, 0, nil)}))
	return k
}

// event creates an open event of contract k with the support contact supportID (nil for none).
func (f *fixture) event(k *crm.Contract, supportID *int64, opts ...func(*crm.Event)) *crm.Event {
	f.t.Helper()
	e := &crm.Event{
		Name: "Launch party", ContractID: k.ID, SupportContactID: supportID, EventDate: f.now.Add(30 * 24 * time.Hour),
		Location: "Paris", Attendees: 100, Notes: "Bring cake", Status: crm.EventOpen, DateCreated: f.now, DateUpdated: f.now,
	}
	for _, o := range opts {
		o(e)
	}
	require.NoError(f.t, f.s.CreateEvent(f.ctx, e, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceEvent, 0, nil)}))
	return e
}

// audit returns every audit entry, oldest first.
func (f *fixture) audit() []*crm.AuditEntry {
	f.t.Helper()
	return collect(f.t, func(cursor string) ([]*crm.AuditEntry, string, error) {
		return f.s.ListAudit(f.ctx, crm.AuditFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Cursor: cursor}})
	})
}

// collect follows the cursors of a list from its first page to its last and returns every row.
func collect[T any](t testing.TB, page func(cursor string) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	cursor := ""
	for i := 0; ; i++ {
		require.Less(t, i, 1000, "the list does not end: its cursors loop")
		rows, next, err := page(cursor)
		require.NoError(t, err)
		for _, r := range rows {
			// Rows come in the list's order, so a row read twice would follow itself.
			if len(all) > 0 {
				require.False(t, reflect.DeepEqual(all[len(all)-1], r), "a row is listed twice: %+v", r)
			}
			all = append(all, r)
		}
		if next == "" {
			return all
		}
		require.NotEmpty(t, rows, "a page with a next cursor must not be empty")
		cursor = next
	}
}

// assertCode checks that err carries the crm error code want.
func assertCode(t *testing.T, want string, err error, msgAndArgs ...any) bool {
	t.Helper()
	if !assert.Error(t, err, msgAndArgs...) {
		return false
	}
	return assert.Equal(t, want, crm.ErrorCode(err), "error: %v", err)
}

// keep is an update function that changes nothing and audits nothing.
func keep[T any](T) ([]crm.AuditEntry, error) { return nil, nil }

// errRefused is the error the update functions of the tests return to refuse a write.
var errRefused = errors.New("refused by the update function")

// ids returns the ids of records, in order.
func ids[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func userID(u *crm.User) int64         { return u.ID }
func clientID(c *crm.Client) int64     { return c.ID }
func contractID(k *crm.Contract) int64 { return k.ID }
func eventID(e *crm.Event) int64       { return e.ID }

// uniform returns the Access with the Visibility v on every resource: what the tests of one
// resource's scope pass, whose filters reach no other resource.
func uniform(v crm.Visibility) crm.Access {
	return crm.Access{Users: v, Clients: v, Contracts: v, Events: v}
}
