package crm_test

import (
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListAuditFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, bad := range []crm.Action{"read", "erase"} {
		_, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Action: bad})
		requireCode(t, err, crm.EMALFORMED)
	}
	now := time.Now()
	_, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{From: &now, To: &now})
	requireCode(t, err, crm.EMALFORMED)

	entries, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Action: crm.ActionAssign, ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		assert.Equal(t, crm.ActionAssign, e.Action)
	}
	all, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	last := all[len(all)-1].At
	after := last.Add(time.Nanosecond)
	entries, _, err = w.svc.ListAudit(w.ctxM, crm.AuditFilter{From: &last, To: &after})
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		assert.Equal(t, last, e.At, "only the entries of that instant")
	}
	entries, _, err = w.svc.ListAudit(w.ctxM, crm.AuditFilter{From: &after})
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing was changed after the last entry")
}
