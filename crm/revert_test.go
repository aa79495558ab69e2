package crm_test

import (
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lastEntry returns the newest audit entry of a record.
func lastEntry(t *testing.T, w *world, res crm.Resource, id int64) *crm.AuditEntry {
	t.Helper()
	entries, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: res, ResourceID: id, ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	last := entries[0]
	for _, e := range entries {
		if e.ID > last.ID {
			last = e
		}
	}
	return last
}

func TestRevertChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	orig := w.C1.Company
	_, err := w.svc.UpdateClient(w.ctxM, w.C1.ID, crm.ClientInput{Company: crm.Some("Globex")}, 0)
	require.NoError(t, err)
	change := lastEntry(t, w, crm.ResourceClient, w.C1.ID)

	p, err := w.svc.PlanRevert(w.ctxM, change.ID)
	require.NoError(t, err)
	require.Len(t, p.Fields, 1)
	assert.Equal(t, crm.RevertField{Field: "company", Before: orig, After: "Globex", Current: "Globex"}, p.Fields[0])
	assert.False(t, p.ChangedSince)
	assert.False(t, p.Noop)

	c, err := w.svc.UpdateClient(w.ctxM, w.C1.ID, crm.ClientInput{Company: crm.Some("Initech")}, 0)
	require.NoError(t, err)
	p, err = w.svc.PlanRevert(w.ctxM, change.ID)
	require.NoError(t, err)
	assert.True(t, p.ChangedSince, "the company was changed again since")
	assert.True(t, p.Fields[0].ChangedSince)
	assert.Equal(t, "Initech", p.Fields[0].Current)
	assert.Equal(t, c.Version, p.Version)

	requireCode(t, w.svc.RevertChange(w.ctxM, change.ID, c.Version-1), crm.EPRECONDITION)
	got, err := w.svc.GetClient(w.ctxM, w.C1.ID)
	require.NoError(t, err)
	assert.Equal(t, "Initech", got.Company, "a refused revert changes nothing")

	require.NoError(t, w.svc.RevertChange(w.ctxM, change.ID, c.Version))
	got, err = w.svc.GetClient(w.ctxM, w.C1.ID)
	require.NoError(t, err)
	assert.Equal(t, orig, got.Company)
	revert := lastEntry(t, w, crm.ResourceClient, w.C1.ID)
	assert.Equal(t, crm.ActionUpdate, revert.Action, "the revert is a new, audited update")
	assert.Equal(t, w.M.ID, revert.ActorID)
	assert.Equal(t, [2]any{"Initech", orig}, revert.Changes["company"])

	requireCode(t, w.svc.RevertChange(w.ctxM, change.ID, 0), crm.ECONFLICT)
	p, err = w.svc.PlanRevert(w.ctxM, change.ID)
	require.NoError(t, err)
	assert.True(t, p.Noop, "every field holds its earlier value again")
}

func TestRevertChangeRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: crm.ResourceClient, ResourceID: w.C1.ID, Action: crm.ActionCreate})
	require.NoError(t, err)
	require.Len(t, created, 1)
	requireCode(t, w.svc.RevertChange(w.ctxM, created[0].ID, 0), crm.ECONFLICT)
	requireCode(t, w.svc.RevertChange(w.ctxM, 0, 0), crm.ENOTFOUND)
	requireCode(t, w.svc.RevertChange(w.ctxM, 1<<40, 0), crm.ENOTFOUND)

	_, err = w.svc.UpdateClient(w.ctxM, w.C1.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	require.NoError(t, err)
	assign := lastEntry(t, w, crm.ResourceClient, w.C1.ID)
	assert.Equal(t, crm.ActionAssign, assign.Action)
	requireCode(t, w.svc.RevertChange(w.ctxS1, assign.ID, 0), crm.EFORBIDDEN)
	_, err = w.svc.PlanRevert(w.ctxS2, assign.ID)
	requireCode(t, err, crm.EFORBIDDEN)

	// A rule that refuses the old values now: the earlier sales contact was deactivated.
	_, err = w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	err = w.svc.RevertChange(w.ctxM, assign.ID, 0)
	requireCode(t, err, crm.EINVALID)
	got, err := w.svc.GetClient(w.ctxM, w.C1.ID)
	require.NoError(t, err)
	assert.Equal(t, w.S2.ID, *got.SalesContactID, "a refused revert changes nothing")
}
