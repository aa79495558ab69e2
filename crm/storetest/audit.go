package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testAudit(t *testing.T, f *fixture) {
	at := time.Date(2026, time.April, 1, 8, 0, 0, 654321000, time.UTC)
	changes := map[string][2]any{
		"first_name":       {"Ann", "Anna"},
		"sales_contact_id": {nil, int64(42)},
		"amount":           {"10.00", "99999999999.99"},
		"is_active":        {true, false},
		"big":              {int64(99_999_999_999_999), int64(1)},
	}
	u := &crm.User{Username: "ann", Email: "ann@example.com", Role: crm.RoleSales, IsActive: true,
		DateJoined: f.now, PasswordHash: "h", AuthVersion: 1}
	require.NoError(t, f.s.CreateUser(f.ctx, u, []crm.AuditEntry{
		{At: at, ActorID: 0, Action: crm.ActionCreate, Resource: crm.ResourceUser, Changes: changes},
	}))
	c := f.client(&u.ID)
	_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{{At: at.Add(time.Second), ActorID: u.ID, ActorUsername: "ann", ActorName: "Ann Lee",
			Action: crm.ActionAssign, Resource: crm.ResourceClient, ResourceID: c.ID}}, nil
	})
	require.NoError(t, err)

	all := f.audit()
	require.Len(t, all, 3)
	first := all[0]
	assert.NotZero(t, first.ID)
	assert.Equal(t, at, first.At)
	assert.Equal(t, int64(0), first.ActorID, "actor 0 is the system")
	assert.Equal(t, crm.ActionCreate, first.Action)
	assert.Equal(t, crm.ResourceUser, first.Resource)
	assert.Equal(t, u.ID, first.ResourceID, "a create's entry names the new record")
	assert.JSONEq(t, mustJSON(t, changes), mustJSON(t, first.Changes), "changes round-trip")
	assert.Equal(t, "99999999999999", mustJSON(t, first.Changes["big"][0]), "large numbers keep every digit")
	assert.NotNil(t, all[2].Changes, "no changes read back as an empty map")
	assert.Empty(t, all[2].Changes)
	assert.Equal(t, u.ID, all[2].ActorID)
	assert.Equal(t, "ann", all[2].ActorUsername, "the actor's username at the time is kept")
	assert.Equal(t, "Ann Lee", all[2].ActorName, "the actor's name at the time is kept")
	assert.Empty(t, first.ActorUsername, "the system has no username")

	_, err = f.s.UpdateUser(f.ctx, u.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.Username, u.FirstName, u.LastName = "ada", "Ada", "Moreau"
		return nil, nil
	})
	require.NoError(t, err)
	after := f.audit()
	assert.Equal(t, "Ann Lee", after[2].ActorName, "renaming the actor leaves their past entries as they were")
	assert.Equal(t, "ann", after[2].ActorUsername)

	atEnd := at.Add(time.Second)
	for _, tc := range []struct {
		name   string
		filter crm.AuditFilter
		want   []int64
	}{
		{"resource", crm.AuditFilter{Resource: crm.ResourceClient}, []int64{all[1].ID, all[2].ID}},
		{"resource and id", crm.AuditFilter{Resource: crm.ResourceUser, ResourceID: u.ID}, []int64{all[0].ID}},
		{"actor", crm.AuditFilter{ActorID: u.ID}, []int64{all[2].ID}},
		{"id", crm.AuditFilter{ID: all[1].ID}, []int64{all[1].ID}},
		{"action", crm.AuditFilter{Action: crm.ActionAssign}, []int64{all[2].ID}},
		{"action create", crm.AuditFilter{Action: crm.ActionCreate}, []int64{all[0].ID, all[1].ID}},
		{"from", crm.AuditFilter{From: &at}, []int64{all[0].ID, all[2].ID}},
		{"to excludes its bound", crm.AuditFilter{To: &at}, []int64{all[1].ID}},
		{"half-open range", crm.AuditFilter{From: &at, To: &atEnd}, []int64{all[0].ID}},
		{"range and action", crm.AuditFilter{From: &at, Action: crm.ActionAssign, Resource: crm.ResourceClient}, []int64{all[2].ID}},
		{"newest first", crm.AuditFilter{ListOptions: crm.ListOptions{Sort: "-id"}}, []int64{all[2].ID, all[1].ID, all[0].ID}},
	} {
		got, _, err := f.s.ListAudit(f.ctx, tc.filter)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, ids(got, func(e *crm.AuditEntry) int64 { return e.ID }), tc.name)
	}

	require.NoError(t, f.s.DeleteClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceClient, c.ID, nil)}, nil
	}))
	require.NoError(t, f.s.DeleteUser(f.ctx, u.ID, crm.EveryWrite, keep[*crm.User]))
	got, _, err := f.s.ListAudit(f.ctx, crm.AuditFilter{ActorID: u.ID})
	require.NoError(t, err)
	assert.Len(t, got, 1, "the history of a deleted user survives")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
