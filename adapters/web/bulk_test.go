package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// auditCount returns the number of audit entries of one record.
func (e *env) auditCount(res crm.Resource, id int64) int {
	e.t.Helper()
	entries, _, err := e.svc.ListAudit(e.as(e.mgr), crm.AuditFilter{Resource: res, ResourceID: id})
	require.NoError(e.t, err)
	return len(entries)
}

// TestBulkActions checks the bulk form of the list pages: each ticked record goes through the
// single action's rules, with one audit entry each; the result page says per record what was
// done and what was refused, and why.
func TestBulkActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.client(e.sales, "Ann", "Bulk", "Acme")
	b := e.client(e.sales, "Bob", "Bulk", "Acme")
	blocked := e.client(e.sales, "Cid", "Bulk", "Acme")
	k := e.signedContract(e.sales, blocked, "10.00")
	m := e.loggedIn(e.mgr)

	list := m.get("/admin/clients")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Contains(t, list.Body, `id="bulk-form"`)
	assert.Contains(t, list.Body, `name="id" value="`+itoa(a.ID)+`" form="bulk-form"`)

	before := e.auditCount(crm.ResourceClient, a.ID)
	p := m.submit("/admin/clients/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.sales2.ID)},
		"id": {itoa(a.ID), itoa(b.ID)}})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 done, 0 refused")
	for _, c := range []*crm.Client{a, b} {
		got, err := e.svc.GetClient(e.as(e.mgr), c.ID)
		require.NoError(t, err)
		assert.Equal(t, e.sales2.ID, *got.SalesContactID)
	}
	assert.Equal(t, before+1, e.auditCount(crm.ResourceClient, a.ID), "one audit entry per record")

	m.get("/admin/clients")
	p = m.submit("/admin/clients/bulk", url.Values{"action": {"delete"}, "id": {itoa(a.ID), itoa(blocked.ID)}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "1 done, 1 refused")
	assert.Contains(t, p.Body, "still has contracts")
	_, err := e.svc.GetClient(e.as(e.mgr), a.ID)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "deleted")
	_, err = e.svc.GetClient(e.as(e.mgr), blocked.ID)
	assert.NoError(t, err, "refused, kept")

	// Events: assign support, a rule refusing a non-support user per row.
	ev := e.event(e.sales, k, "Launch", nil)
	m.get("/admin/events")
	p = m.submit("/admin/events/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.sales.ID)}, "id": {itoa(ev.ID)}})
	assert.Contains(t, p.Body, "0 done, 1 refused")
	assert.Contains(t, p.Body, "support_contact_id")
	p = m.submit("/admin/events/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.support.ID)}, "id": {itoa(ev.ID)}})
	assert.Contains(t, p.Body, "1 done, 0 refused")

	// A sales user has no bulk form on clients (no assign, no delete), and a forged one is
	// refused row by row.
	s := e.loggedIn(e.sales)
	sl := s.get("/admin/clients")
	assert.NotContains(t, sl.Body, `id="bulk-form"`)
	p = s.submit("/admin/clients/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.sales2.ID)}, "id": {itoa(blocked.ID)}})
	assert.Contains(t, p.Body, "0 done, 1 refused")
	assert.True(t, strings.Contains(p.Body, "may not"), p.Body)

	p = m.post("/admin/clients/bulk", url.Values{"action": {"delete"}, "id": {itoa(blocked.ID)}})
	assert.Equal(t, http.StatusForbidden, p.Status, "no CSRF token")
}
