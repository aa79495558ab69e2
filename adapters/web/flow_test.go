package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// The main flows run on both stores: the UI must behave the same on the embedded SQLite and on
// PostgreSQL (whose tests skip loudly when no server is reachable, and fail under CI=true).
func TestMainFlowsOnSQLite(t *testing.T) {
	t.Parallel()
	mainFlows(t, newEnvOn(t, sqlitetest.New(t), web.Config{}))
}

func TestMainFlowsOnPostgreSQL(t *testing.T) {
	t.Parallel()
	mainFlows(t, newEnvOn(t, pgtest.New(t), web.Config{}))
}

// version reads the record version of the form on a page.
func version(t *testing.T, p *page) string {
	t.Helper()
	return regexp1(t, p.Body, `name="version" value="(\d+)"`)
}

// mainFlows walks the business process over HTTP, checking after each step who sees what.
func mainFlows(t *testing.T, e *env) {
	foreign := e.client(e.sales2, "Olga", "Hidden", "Other Corp")

	// Sales adds a client, creates a contract for it, signs it and creates the event.
	sales := e.loggedIn(e.sales)
	sales.get("/admin/clients/new")
	p := sales.submit("/admin/clients/new", url.Values{"first_name": {"Camille"}, "last_name": {"Dupont"},
		"email": {"camille@dupont.example"}, "company": {"Dupont Events"}, "status": {"potential"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	clientURL := p.Location()
	clientID := strings.TrimPrefix(clientURL, "/admin/clients/")
	page := sales.get(clientURL)
	assert.Contains(t, page.Body, "The client was created.")
	assert.Contains(t, page.Body, "Sam Keller (you)", "a sales user's new client is theirs")

	sales.get("/admin/contracts/new?client_id=" + clientID)
	p = sales.submit("/admin/contracts/new", url.Values{"client_id": {clientID}, "amount": {"12500.00"}, "amount_due": {"4000"},
		"payment_due": {"2027-05-31"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	contractURL := p.Location()
	contractID := strings.TrimPrefix(contractURL, "/admin/contracts/")
	page = sales.get(contractURL)
	p = sales.submit(contractURL+"/sign", url.Values{"version": {version(t, page)}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)

	sales.get("/admin/events/new?contract_id=" + contractID)
	p = sales.submit("/admin/events/new", url.Values{"contract_id": {contractID}, "name": {"Dupont launch"},
		"event_date": {"2027-06-12T18:30"}, "end_date": {"2027-06-12T23:00"}, "location": {"Lyon"}, "attendees": {"250"}, "notes": {""}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	eventURL := p.Location()
	page = sales.get(eventURL)
	assert.Contains(t, page.Body, "The event was created.")
	assert.Contains(t, page.Body, "Needs support")
	assert.NotContains(t, sales.get("/admin/clients").Body, foreign.LastName)

	// Management sees everything and assigns a support user.
	mgr := e.loggedIn(e.mgr)
	dash := mgr.get("/admin/")
	assert.Contains(t, dash.Body, "Dupont launch", "among the events without support")
	page = mgr.get(eventURL)
	form := url.Values{"name": {"Dupont launch"}, "event_date": {"2027-06-12T18:30"}, "end_date": {"2027-06-12T23:00"},
		"location": {"Lyon"}, "attendees": {"250"}, "status": {"open"}, "notes": {""}, "version": {version(t, page)}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("support_contact_id", itoa(e.sales2.ID))
	p = mgr.submit(eventURL, bad)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, "a support contact must be a support user")
	assert.Contains(t, p.Body, `id="f-support_contact_id-error"`)
	form.Set("support_contact_id", itoa(e.support.ID))
	p = mgr.submit(eventURL, form)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	history := mgr.get(eventURL + "/history")
	require.Equal(t, http.StatusOK, history.Status)
	assert.Contains(t, history.Body, "Assign")
	assert.Contains(t, history.Body, "Paul Okafor")
	assert.Contains(t, mgr.get("/admin/clients").Body, foreign.LastName)

	// Support updates their event and sees only what it touches.
	support := e.loggedIn(e.support)
	assert.Contains(t, support.get("/admin/").Body, "Dupont launch")
	page = support.get(eventURL)
	require.Equal(t, http.StatusOK, page.Status)
	p = support.submit(eventURL, url.Values{"name": {"Dupont launch"}, "event_date": {"2027-06-12T18:30"},
		"end_date": {"2027-06-12T17:00"}, "location": {"Lyon"}, "attendees": {"280"}, "status": {"open"}, "notes": {"30 more guests"},
		"version": {version(t, page)}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, "the end must come after the start")
	assert.Contains(t, p.Body, `id="f-end_date-error"`)
	assert.Contains(t, p.Body, "30 more guests")
	p = support.submit(eventURL, url.Values{"name": {"Dupont launch"}, "event_date": {"2027-06-12T18:30"},
		"end_date": {"2027-06-12T23:30"}, "location": {"Lyon"}, "attendees": {"280"}, "status": {"open"}, "notes": {"30 more guests"},
		"version": {version(t, page)}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Contains(t, support.get(eventURL).Body, "The event was saved.")
	assert.Equal(t, http.StatusOK, support.get(clientURL).Status, "the client of an assigned event")
	assert.Equal(t, http.StatusNotFound, support.get("/admin/clients/"+itoa(foreign.ID)).Status)

	events, _, err := e.svc.ListEvents(e.as(e.mgr), crm.EventFilter{Q: "Dupont"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, 280, events[0].Attendees)
	assert.Equal(t, "30 more guests", events[0].Notes)
	assert.Equal(t, &e.support.ID, events[0].SupportContactID)
	contracts, _, err := e.svc.ListContracts(e.as(e.mgr), crm.ContractFilter{ClientID: &events[0].ClientID})
	require.NoError(t, err)
	require.Len(t, contracts, 1)
	assert.Equal(t, crm.ContractSigned, contracts[0].Status)
	assert.Equal(t, crm.Money(400000), contracts[0].AmountDue)

	// Logging out ends the session on this store too.
	stolen := support.jar["epiccrm_session"]
	require.Equal(t, http.StatusSeeOther, support.submit("/admin/logout", nil).Status)
	replay := e.browser()
	replay.jar["epiccrm_session"] = stolen
	assert.Equal(t, http.StatusSeeOther, replay.get("/admin/").Status)
}
