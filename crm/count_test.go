package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// counter lists and counts one resource with the same filter, as a user interface does.
type counter struct {
	name  string
	list  func(ctx context.Context) (int, error)
	count func(ctx context.Context) (int, error)
}

// counters returns a counter per resource, each over every record (a full page).
func counters(w *world) []counter {
	all := crm.ListOptions{Limit: crm.MaxLimit}
	return []counter{
		{"users",
			func(ctx context.Context) (int, error) {
				items, _, err := w.svc.ListUsers(ctx, crm.UserFilter{ListOptions: all})
				return len(items), err
			},
			func(ctx context.Context) (int, error) { return w.svc.CountUsers(ctx, crm.UserFilter{}) }},
		{"clients",
			func(ctx context.Context) (int, error) {
				items, _, err := w.svc.ListClients(ctx, crm.ClientFilter{ListOptions: all})
				return len(items), err
			},
			func(ctx context.Context) (int, error) { return w.svc.CountClients(ctx, crm.ClientFilter{}) }},
		{"contracts",
			func(ctx context.Context) (int, error) {
				items, _, err := w.svc.ListContracts(ctx, crm.ContractFilter{ListOptions: all})
				return len(items), err
			},
			func(ctx context.Context) (int, error) { return w.svc.CountContracts(ctx, crm.ContractFilter{}) }},
		{"events",
			func(ctx context.Context) (int, error) {
				items, _, err := w.svc.ListEvents(ctx, crm.EventFilter{ListOptions: all})
				return len(items), err
			},
			func(ctx context.Context) (int, error) { return w.svc.CountEvents(ctx, crm.EventFilter{}) }},
	}
}

// TestCountsFollowReadScopes checks that each count asks the store for the same read scope as
// its list, so that a count never tells of records the caller cannot list.
func TestCountsFollowReadScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A second client of S2 with an open contract, so that scopes differ between roles.
	other, err := w.svc.CreateClient(w.ctxS2, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Lee"),
		Email: crm.Some("ann@lee.example")})
	require.NoError(t, err)
	_, err = w.svc.CreateContract(w.ctxS2, crm.ContractInput{ClientID: crm.Some(other.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)

	who := []struct {
		name string
		ctx  context.Context
		want map[string]int
	}{
		{"management", w.ctxM, map[string]int{"users": 5, "clients": 2, "contracts": 2, "events": 1}},
		{"owner", w.ctxS1, map[string]int{"users": 1, "clients": 1, "contracts": 1, "events": 1}},
		{"other sales", w.ctxS2, map[string]int{"users": 1, "clients": 1, "contracts": 1, "events": 0}},
		{"assigned support", w.ctxP1, map[string]int{"users": 1, "clients": 1, "contracts": 1, "events": 1}},
		{"other support", w.ctxP2, map[string]int{"users": 1, "clients": 0, "contracts": 0, "events": 0}},
	}
	for _, u := range who {
		for _, c := range counters(w) {
			listed, err := c.list(u.ctx)
			require.NoError(t, err, "%s lists %s", u.name, c.name)
			listVis := w.store.lastVis
			counted, err := c.count(u.ctx)
			require.NoError(t, err, "%s counts %s", u.name, c.name)
			assert.Equal(t, u.want[c.name], counted, "%s counts %s", u.name, c.name)
			assert.Equal(t, listed, counted, "%s: the count of %s is the length of the list", u.name, c.name)
			assert.Equal(t, listVis, w.store.lastVis, "%s: the count of %s asks for the list's scope", u.name, c.name)
		}
	}
}

// TestCountWithoutReadPermission checks that a caller who may read none of a resource gets 0
// without the store being asked, and an anonymous caller gets EUNAUTHORIZED.
func TestCountWithoutReadPermission(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, res := range []crm.Resource{crm.ResourceUser, crm.ResourceClient, crm.ResourceContract, crm.ResourceEvent} {
		delete(w.authz[crm.RoleSupport][res], crm.ActionRead)
	}
	for _, c := range counters(w) {
		w.store.lastVis = crm.Everything
		n, err := c.count(w.ctxP1)
		require.NoError(t, err, c.name)
		assert.Zero(t, n, c.name)
		assert.Equal(t, crm.Everything, w.store.lastVis, "%s: the store was not asked", c.name)

		n, err = c.count(w.ctxM)
		require.NoError(t, err, c.name)
		assert.Positive(t, n, "%s: management still counts", c.name)

		_, err = c.count(context.Background())
		requireCode(t, err, crm.EUNAUTHORIZED)
	}
}

// TestCountFilters checks that a count checks its filter like the list does, passes it to the
// store, and leaves out the paging and sort options, which mean nothing to a count.
func TestCountFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		name, field string
		count       func() error
	}{
		{"role", "role", func() error { _, err := w.svc.CountUsers(w.ctxM, crm.UserFilter{Role: "admin"}); return err }},
		{"client status", "status", func() error { _, err := w.svc.CountClients(w.ctxM, crm.ClientFilter{Status: "vip"}); return err }},
		{"contract status", "status", func() error {
			_, err := w.svc.CountContracts(w.ctxM, crm.ContractFilter{Status: "done"})
			return err
		}},
		{"event status", "status", func() error { _, err := w.svc.CountEvents(w.ctxM, crm.EventFilter{Status: "done"}); return err }},
	} {
		err := tc.count()
		requireCode(t, err, crm.EMALFORMED)
		assert.Equal(t, []string{tc.field}, fieldsOf(err), tc.name)
	}

	paging := crm.ListOptions{Limit: -1, Sort: "password_hash", Cursor: "garbage"}
	n, err := w.svc.CountUsers(w.ctxM, crm.UserFilter{Role: crm.RoleSupport, ListOptions: paging})
	require.NoError(t, err, "paging and sort options do not apply to a count")
	assert.Equal(t, 2, n)
	assert.Equal(t, crm.ListOptions{}, w.store.counted, "the store gets no paging options")

	n, err = w.svc.CountClients(w.ctxM, crm.ClientFilter{Q: "startup", ListOptions: paging})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = w.svc.CountClients(w.ctxM, crm.ClientFilter{Status: crm.ClientPotential})
	require.NoError(t, err)
	assert.Zero(t, n, "C1 became existing when K1 was signed")

	_, err = w.svc.CreateContract(w.ctxS1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	n, err = w.svc.CountContracts(w.ctxS1, crm.ContractFilter{Status: crm.ContractOpen, ListOptions: paging})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, crm.ListOptions{}, w.store.counted)

	n, err = w.svc.CountEvents(w.ctxM, crm.EventFilter{Unassigned: true})
	require.NoError(t, err)
	assert.Zero(t, n)
}

// TestContractSearchAndEventRange checks that the service hands the contract search and the
// event time range to the store, for lists and counts alike.
func TestContractSearchAndEventRange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		q    string
		want int
	}{{"COOL startup", 1}, {"kevin@", 1}, {"casey", 1}, {"nobody", 0}} {
		items, _, err := w.svc.ListContracts(w.ctxM, crm.ContractFilter{Q: tc.q})
		require.NoError(t, err, tc.q)
		assert.Len(t, items, tc.want, "list %q", tc.q)
		n, err := w.svc.CountContracts(w.ctxM, crm.ContractFilter{Q: tc.q})
		require.NoError(t, err, tc.q)
		assert.Equal(t, tc.want, n, "count %q", tc.q)
	}

	at := w.E1.EventDate
	before, after := at.Add(-time.Microsecond), at.Add(time.Microsecond)
	for _, tc := range []struct {
		name     string
		from, to *time.Time
		want     int
	}{
		{"from its start, inclusive", &at, nil, 1},
		{"from after its start", &after, nil, 0},
		{"to its start, exclusive", nil, &at, 0},
		{"to after its start", nil, &after, 1},
		{"a range around it", &before, &after, 1},
	} {
		items, _, err := w.svc.ListEvents(w.ctxM, crm.EventFilter{From: tc.from, To: tc.to})
		require.NoError(t, err, tc.name)
		assert.Len(t, items, tc.want, tc.name)
		n, err := w.svc.CountEvents(w.ctxM, crm.EventFilter{From: tc.from, To: tc.to})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, n, tc.name)
	}
}
