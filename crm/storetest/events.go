package storetest

import (
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testEventCRUD(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	p2 := f.user(crm.RoleSupport)
	c := f.client(&sales.ID)
	k := f.contract(c)
	end := f.now.Add(31 * 24 * time.Hour)
	e := f.event(k, &p1.ID, func(e *crm.Event) { e.EndDate = &end })
	require.NotZero(t, e.ID)
	assert.Equal(t, int64(1), e.Version)
	assert.Equal(t, c.ID, e.ClientID, "the store sets the client from the contract")
	assert.Equal(t, &sales.ID, e.SalesContactID, "the store sets the sales contact from the contract")
	got, err := f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, e, got)

	later := f.now.Add(time.Minute)
	updated, err := f.s.UpdateEvent(f.ctx, e.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
		e.Name, e.SupportContactID, e.EndDate, e.Location, e.Notes = "Wedding", &p2.ID, nil, "Lyon", ""
		e.Attendees, e.Status, e.DateUpdated = 0, crm.EventClosed, later
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Version)
	got, err = f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, "Wedding", got.Name)
	assert.Equal(t, &p2.ID, got.SupportContactID)
	assert.Nil(t, got.EndDate)
	assert.Equal(t, 0, got.Attendees)
	assert.Equal(t, crm.EventClosed, got.Status)
	assert.Equal(t, k.ID, got.ContractID)
	assert.Equal(t, c.ID, got.ClientID)

	require.NoError(t, f.s.DeleteEvent(f.ctx, e.ID, crm.EveryWrite, keep[*crm.Event]))
	_, err = f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	assertCode(t, crm.ENOTFOUND, err)
	require.NoError(t, f.s.DeleteContract(f.ctx, k.ID, crm.EveryWrite, keep[*crm.Contract]),
		"a contract whose events are gone can be deleted")
}

func testEventFollowsContract(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	k := f.contract(f.client(&s1.ID))
	e := f.event(k, nil)
	_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
		k.SalesContactID = &s2.ID
		return crm.ContractChange{}, nil
	})
	require.NoError(t, err)
	got, err := f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, &s2.ID, got.SalesContactID, "an event's sales contact is its contract's")

	updated, err := f.s.UpdateEvent(f.ctx, e.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
		e.ContractID, e.ClientID, e.SalesContactID = 999, 999, &s1.ID
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, k.ID, updated.ContractID, "an update never moves an event to another contract")
	assert.Equal(t, &s2.ID, updated.SalesContactID)
	got, err = f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, k.ID, got.ContractID)
	assert.Equal(t, k.ClientID, got.ClientID)
}

func testEventFilters(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	kevin := f.client(&s1.ID, func(c *crm.Client) { c.FirstName, c.Email = "Kevin", "kevin@startup.io" })
	john := f.client(&s2.ID, func(c *crm.Client) { c.FirstName, c.Email = "John", "john@bigcorp.com" })
	k1 := f.contract(kevin)
	k2 := f.contract(john)
	day := time.Date(2026, time.June, 4, 0, 0, 0, 0, time.UTC)
	at := func(t time.Time) func(*crm.Event) { return func(e *crm.Event) { e.EventDate = t } }
	launch := f.event(k1, &p1.ID, at(day), func(e *crm.Event) { e.Name, e.Location = "Product launch", "Paris" })
	gala := f.event(k1, nil, at(day.Add(24*time.Hour-time.Microsecond)), func(e *crm.Event) { e.Name, e.Location = "Gala", "Nice" })
	party := f.event(k2, nil, at(day.Add(-time.Microsecond)), func(e *crm.Event) {
		e.Name, e.Location, e.Status = "After party", "Lyon", crm.EventClosed
	})
	expo := f.event(k2, &p1.ID, at(day.Add(24*time.Hour)), func(e *crm.Event) { e.Name, e.Location = "Expo", "Paris Nord" })
	onDay := crm.DateOf(day)
	nextDay := day.Add(24 * time.Hour)
	for _, tc := range []struct {
		name   string
		filter crm.EventFilter
		want   []*crm.Event
	}{
		{"no filter", crm.EventFilter{}, []*crm.Event{launch, gala, party, expo}},
		{"q on name", crm.EventFilter{Q: "PARTY"}, []*crm.Event{party}},
		{"q on location", crm.EventFilter{Q: "paris"}, []*crm.Event{launch, expo}},
		{"contract", crm.EventFilter{ContractID: &k2.ID}, []*crm.Event{party, expo}},
		{"client", crm.EventFilter{ClientID: &kevin.ID}, []*crm.Event{launch, gala}},
		{"client first name", crm.EventFilter{ClientFirstName: "JOHN"}, []*crm.Event{party, expo}},
		{"client email", crm.EventFilter{ClientEmail: "startup"}, []*crm.Event{launch, gala}},
		{"sales contact", crm.EventFilter{SalesContactID: &s2.ID}, []*crm.Event{party, expo}},
		{"support contact", crm.EventFilter{SupportContactID: &p1.ID}, []*crm.Event{launch, expo}},
		{"unassigned", crm.EventFilter{Unassigned: true}, []*crm.Event{gala, party}},
		{"on a day (UTC)", crm.EventFilter{EventDate: &onDay}, []*crm.Event{launch, gala}},
		{"from an instant, inclusive", crm.EventFilter{From: &day}, []*crm.Event{launch, gala, expo}},
		{"to an instant, exclusive", crm.EventFilter{To: &day}, []*crm.Event{party}},
		{"from and to", crm.EventFilter{From: &day, To: &nextDay}, []*crm.Event{launch, gala}},
		{"to before from", crm.EventFilter{From: &nextDay, To: &day}, nil},
		{"from in another time zone", crm.EventFilter{From: crm.Ptr(nextDay.In(time.FixedZone("UTC-5", -5*3600)))}, []*crm.Event{expo}},
		{"status", crm.EventFilter{Status: crm.EventClosed}, []*crm.Event{party}},
		{"combined", crm.EventFilter{Unassigned: true, ClientID: &kevin.ID}, []*crm.Event{gala}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := f.s.ListEvents(f.ctx, tc.filter, crm.FullAccess)
			require.NoError(t, err)
			assert.Empty(t, next)
			assert.Equal(t, ids(tc.want, eventID), ids(got, eventID))
		})
	}
}

func testEventVisibility(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	// The contract's sales contact decides, not the client's.
	k1 := f.contract(f.client(&s2.ID), func(k *crm.Contract) { k.SalesContactID = &s1.ID })
	k2 := f.contract(f.client(&s2.ID))
	mine := f.event(k1, nil)
	assigned := f.event(k2, &p1.ID)
	other := f.event(k2, nil)
	all := []*crm.Event{mine, assigned, other}
	for _, tc := range []struct {
		name string
		vis  crm.Visibility
		want []*crm.Event
	}{
		{"any", crm.Everything, all},
		{"own through the contract", crm.Visibility{OwnerID: &s1.ID}, []*crm.Event{mine}},
		{"assigned", crm.Visibility{SupportID: &p1.ID}, []*crm.Event{assigned}},
		{"own or assigned", crm.Visibility{OwnerID: &s1.ID, SupportID: &p1.ID}, []*crm.Event{mine, assigned}},
		{"nothing", crm.Visibility{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.s.ListEvents(f.ctx, crm.EventFilter{}, uniform(tc.vis))
			require.NoError(t, err)
			assert.Equal(t, ids(tc.want, eventID), ids(got, eventID))
			for _, e := range all {
				_, err := f.s.FindEvent(f.ctx, e.ID, tc.vis)
				if containsID(tc.want, e.ID, eventID) {
					assert.NoError(t, err, "a listed event can be read")
				} else {
					assertCode(t, crm.ENOTFOUND, err, "an unlisted event cannot be read")
				}
			}
		})
	}
}

func testTimesRoundTrip(t *testing.T, f *fixture) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	k := f.contract(f.client(nil))
	for _, tc := range []struct {
		name string
		in   time.Time
	}{
		{"microseconds", time.Date(2027, time.January, 2, 3, 4, 5, 999999000, time.UTC)},
		{"another time zone comes back as the same instant in UTC", time.Date(2027, time.July, 1, 23, 30, 0, 1000, paris)},
		{"nanoseconds are dropped", time.Date(2027, time.March, 3, 3, 3, 3, 123456789, time.UTC)},
	} {
		want := tc.in.UTC().Truncate(time.Microsecond)
		end := tc.in.Add(time.Hour)
		e := f.event(k, nil, func(e *crm.Event) { e.EventDate, e.EndDate = tc.in, &end })
		got, err := f.s.FindEvent(f.ctx, e.ID, crm.Everything)
		require.NoError(t, err, tc.name)
		assert.Equal(t, want, got.EventDate, tc.name)
		assert.Equal(t, time.UTC, got.EventDate.Location(), tc.name)
		require.NotNil(t, got.EndDate, tc.name)
		assert.Equal(t, end.UTC().Truncate(time.Microsecond), *got.EndDate, tc.name)
	}
}
