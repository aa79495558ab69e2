package web_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/policy"
)

// TestRecordPagesFollowThePolicyOnEachRecord runs the UI under the read-all example policy,
// where sales read every client, contract and event but change only their own: another's
// records show no Save, Sign or New event action, and their own still do.
func TestRecordPagesFollowThePolicyOnEachRecord(t *testing.T) {
	t.Parallel()
	pol, err := policy.Load(filepath.Join("..", "..", "examples", "policies", "read-all.csv"))
	require.NoError(t, err)
	e := newEnvWith(t, sqlitetest.New(t), web.Config{}, pol)
	mine := e.client(e.sales, "Ann", "Lee", "Acme")
	theirs := e.client(e.sales2, "Bob", "Ray", "Globex")
	theirContract := e.signedContract(e.sales2, theirs, "100.00")
	sales := e.loggedIn(e.sales)

	p := sales.get("/admin/clients/" + itoa(theirs.ID))
	require.Equal(t, http.StatusOK, p.Status, "read-all lets sales read another's client")
	assert.Contains(t, p.Body, "You can view this client but not change it.")
	assert.NotContains(t, p.Body, "Save changes")
	assert.NotContains(t, p.Body, "New contract")

	p = sales.get("/admin/clients/" + itoa(mine.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Save changes")
	assert.Contains(t, p.Body, "New contract")

	p = sales.get("/admin/contracts/" + itoa(theirContract.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "Save changes")
	assert.NotContains(t, p.Body, "New event")
}

// TestContactsShowByNameOnRecordsTheUserReads checks that support sees who sells their event,
// by name and without a link (they cannot open user records), and that a user who is no
// contact of theirs stays anonymous.
func TestContactsShowByNameOnRecordsTheUserReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k := e.signedContract(e.sales, c, "100.00")
	ev := e.event(e.sales, k, "Gala", e.support)
	support := e.loggedIn(e.support)
	p := support.get("/admin/events/" + itoa(ev.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Sam Keller", "the event's sales contact, by name")
	assert.NotContains(t, p.Body, `href="/admin/users/`+itoa(e.sales.ID)+`"`, "no link to a record support cannot open")
	assert.NotContains(t, p.Body, "User #"+itoa(e.sales.ID))
}
