package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// suggestions fetches the client suggestions for q as b's user.
func suggestions(t *testing.T, b *browser, q string) []map[string]any {
	t.Helper()
	p := b.get("/admin/clients/suggest?q=" + url.QueryEscape(q))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Header.Get("Content-Type"), "application/json")
	assert.Equal(t, "no-store", p.Header.Get("Cache-Control"))
	var out []map[string]any
	require.NoError(t, json.Unmarshal([]byte(p.Body), &out), p.Body)
	return out
}

// TestClientSuggestionsStayInScope checks the type-ahead endpoint of the contract form: it
// finds clients by the indexed search, at most ten, never one outside the caller's read scope
// (sales user A never sees B's client), and needs a session.
func TestClientSuggestionsStayInScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	own, foreign := strings.Fields(f.own.LastName)[0], strings.Fields(f.foreign.LastName)[0]

	m := e.loggedIn(e.mgr)
	got := suggestions(t, m, foreign)
	require.NotEmpty(t, got, "management finds every client")
	assert.Equal(t, float64(f.foreign.ID), got[0]["id"])
	assert.Contains(t, got[0]["label"], f.foreign.LastName)

	a := e.loggedIn(e.sales)
	for _, c := range suggestions(t, a, foreign) {
		assert.NotEqual(t, float64(f.foreign.ID), c["id"], "sales A is never offered B's client")
	}
	for _, c := range suggestions(t, a, "") {
		t.Errorf("an empty search suggests %v", c)
	}
	mine := suggestions(t, a, own)
	require.NotEmpty(t, mine)
	assert.Equal(t, float64(f.own.ID), mine[0]["id"])
	bSales := e.loggedIn(e.sales2)
	for _, c := range suggestions(t, bSales, own) {
		assert.NotEqual(t, float64(f.own.ID), c["id"], "sales B is never offered A's client")
	}

	for i := 0; i < 12; i++ {
		e.client(e.sales, "Zed", "Many"+itoa(int64(i)), "Bulk")
	}
	assert.Len(t, suggestions(t, a, "Bulk"), 10, "at most ten suggestions")

	p := e.browser().get("/admin/clients/suggest?q=Bulk")
	assert.Equal(t, http.StatusSeeOther, p.Status, "no session, no suggestions")
	assert.NotContains(t, p.Body, "Zed")
}

// TestContractFormClientSearch checks the client search of the new contract form without
// script: Find reloads the form with the matching clients of the caller's scope as the
// choices, says when none matches, and keeps a client chosen from its page.
func TestContractFormClientSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	a := e.loggedIn(e.sales)
	p := a.get("/admin/contracts/new")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `name="client_q"`)
	assert.NotContains(t, p.Body, `<option value="`+itoa(f.own.ID)+`"`, "no big list of every client")

	p = a.get("/admin/contracts/new?client_q=" + url.QueryEscape(f.own.LastName))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `<option value="`+itoa(f.own.ID)+`"`)
	p = a.get("/admin/contracts/new?client_q=" + url.QueryEscape(f.foreign.LastName))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.NotContains(t, p.Body, `<option value="`+itoa(f.foreign.ID)+`"`, "never a client outside the scope")
	assert.Contains(t, p.Body, "No client matches")

	p = a.get("/admin/contracts/new?client_id=" + itoa(f.own.ID))
	assert.Contains(t, p.Body, `<option value="`+itoa(f.own.ID)+`" selected>`, "a client chosen from its page stays chosen")

	m := e.loggedIn(e.mgr)
	p = m.get("/admin/contracts/new?client_q=" + url.QueryEscape(f.foreign.LastName))
	assert.Contains(t, p.Body, `<option value="`+itoa(f.foreign.ID)+`"`, "management finds any client")
}
