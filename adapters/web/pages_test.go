package web_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// fixtures are the records every role test looks at: sam's client with a signed contract and an
// event run by paul, and sofia's client that sam and paul must never see.
type fixtures struct {
	own, foreign *crm.Client
	contract     *crm.Contract
	openContract *crm.Contract
	event        *crm.Event
	foreignEvent *crm.Event
}

func newFixtures(t *testing.T, e *env) *fixtures {
	t.Helper()
	f := &fixtures{own: e.client(e.sales, "Ann", "Lee", "Acme"), foreign: e.client(e.sales2, "Olga", "Hidden", "Other Corp")}
	f.contract = e.signedContract(e.sales, f.own, "12000")
	var err error
	f.openContract, err = e.svc.CreateContract(e.as(e.sales), crm.ContractInput{ClientID: crm.Some(f.own.ID), Amount: crm.Some(crm.Money(50000))})
	require.NoError(t, err)
	f.event = e.event(e.sales, f.contract, "Acme gala", e.support)
	f.foreignEvent = e.event(e.sales2, e.signedContract(e.sales2, f.foreign, "900"), "Secret retreat", e.support2)
	return f
}

func TestEachRoleSeesOnlyWhatItMay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	client, contract, event := "/admin/clients/"+itoa(f.own.ID), "/admin/contracts/"+itoa(f.contract.ID), "/admin/events/"+itoa(f.event.ID)
	open := "/admin/contracts/" + itoa(f.openContract.ID)
	type tc struct {
		who      *crm.User
		path     string
		status   int
		shows    []string
		hides    []string
		location string
	}
	cases := map[string]tc{
		// Management: everything, with every action.
		"management dashboard": {e.mgr, "/admin/", 200, []string{"Events without support", "Unsigned contracts", "Unpaid contracts",
			`href="/admin/users"`}, []string{"My upcoming events"}, ""},
		"management clients": {e.mgr, "/admin/clients", 200, []string{"Ann Lee", "Olga Hidden", "New client", `name="sales_contact_id"`}, nil, ""},
		"management client":  {e.mgr, client, 200, []string{"Delete", "History", `name="sales_contact_id"`, "New contract"}, nil, ""},
		"management event": {e.mgr, event, 200, []string{`name="support_contact_id"`, "Paul Okafor (paul)", "Priya Nair (priya)",
			"Delete"}, []string{"Sam Keller (sam)", "Morgan Reyes (morgan)"}, ""},
		"management users": {e.mgr, "/admin/users", 200, []string{"sam", "sofia", "paul", "priya", "New user"}, nil, ""},
		"management user":  {e.mgr, "/admin/users/" + itoa(e.sales.ID), 200, []string{`name="role"`, `name="is_active"`, "Set a new password", "Delete"}, nil, ""},
		"management own profile": {e.mgr, "/admin/users/" + itoa(e.mgr.ID), 200, []string{`name="username"`, "Change password"},
			[]string{`name="role"`, `name="is_active"`, "Delete"}, ""},
		"management history": {e.mgr, client + "/history", 200, []string{"Create", "Ann", "Sam Keller"}, nil, ""},

		// Sales: their own clients, contracts and events; no deletions, no assignments, no audit.
		"sales dashboard": {e.sales, "/admin/", 200, []string{"My clients", "Unsigned contracts", "Ann Lee"},
			[]string{"Events without support", "Olga", `href="/admin/users"`}, ""},
		"sales clients": {e.sales, "/admin/clients", 200, []string{"Ann Lee", "New client"}, []string{"Olga Hidden", `name="sales_contact_id"`}, ""},
		"sales client": {e.sales, client, 200, []string{`name="first_name"`, "New contract"},
			[]string{"Delete", "History", `name="sales_contact_id"`}, ""},
		"sales foreign client":  {e.sales, "/admin/clients/" + itoa(f.foreign.ID), 404, []string{"Page not found"}, []string{"Olga"}, ""},
		"sales client history":  {e.sales, client + "/history", 403, []string{"Not allowed"}, nil, ""},
		"sales client delete":   {e.sales, client + "/delete", 403, nil, []string{"Yes, delete it"}, ""},
		"sales open contract":   {e.sales, open, 200, []string{"Sign contract"}, []string{"Delete", `name="sales_contact_id"`}, ""},
		"sales signed contract": {e.sales, contract, 200, []string{"New event"}, []string{"Sign contract"}, ""},
		"sales event":           {e.sales, event, 200, []string{"You can view this event but not change it."}, []string{`name="name"`}, ""},
		"sales foreign event":   {e.sales, "/admin/events/" + itoa(f.foreignEvent.ID), 404, nil, []string{"Secret retreat"}, ""},
		"sales events":          {e.sales, "/admin/events", 200, []string{"Acme gala", "New event"}, []string{"Secret retreat"}, ""},
		"sales users":           {e.sales, "/admin/users", 303, nil, nil, "/admin/users/" + itoa(e.sales.ID)},
		"sales own profile": {e.sales, "/admin/users/" + itoa(e.sales.ID), 200, []string{`name="first_name"`, "sam@"},
			[]string{`name="email"`, `name="username"`, `name="role"`, `name="is_active"`}, ""},
		"sales other user":       {e.sales, "/admin/users/" + itoa(e.mgr.ID), 404, nil, []string{"morgan@"}, ""},
		"sales new user":         {e.sales, "/admin/users/new", 403, nil, []string{`name="password"`}, ""},
		"sales new contract":     {e.sales, "/admin/contracts/new?client_q=e", 200, []string{"Ann Lee"}, []string{"Olga"}, ""},
		"sales new event":        {e.sales, "/admin/events/new", 200, []string{"Contract #" + itoa(f.contract.ID)}, []string{"Contract #" + itoa(f.openContract.ID), `name="support_contact_id"`}, ""},
		"sales contracts search": {e.sales, "/admin/contracts?q=hidden", 200, []string{"No results"}, []string{"Olga"}, ""},

		// Support: the events assigned to them, their clients and contracts, read only but the event.
		"support dashboard": {e.support, "/admin/", 200, []string{"My upcoming events", "Acme gala"},
			[]string{"Unsigned contracts", "Events without support", "Secret retreat"}, ""},
		"support clients":        {e.support, "/admin/clients", 200, []string{"Ann Lee"}, []string{"New client", "Olga Hidden"}, ""},
		"support client":         {e.support, client, 200, []string{"You can view this client but not change it."}, []string{`name="first_name"`, "New contract", "Delete"}, ""},
		"support new client":     {e.support, "/admin/clients/new", 403, nil, []string{`name="first_name"`}, ""},
		"support contract":       {e.support, contract, 200, []string{"You can view this contract"}, []string{"Sign contract", "New event"}, ""},
		"support open contract":  {e.support, open, 404, nil, nil, ""},
		"support event":          {e.support, event, 200, []string{`name="attendees"`, `name="notes"`, `name="status"`}, []string{`name="support_contact_id"`, "Delete"}, ""},
		"support foreign event":  {e.support, "/admin/events/" + itoa(f.foreignEvent.ID), 404, nil, []string{"Secret retreat"}, ""},
		"support events":         {e.support, "/admin/events", 200, []string{"Acme gala"}, []string{"New event", "Secret retreat"}, ""},
		"support users":          {e.support, "/admin/users", 303, nil, nil, "/admin/users/" + itoa(e.support.ID)},
		"support event history":  {e.support, event + "/history", 403, nil, nil, ""},
		"support nonexistent id": {e.support, "/admin/events/999999", 404, []string{"Page not found"}, nil, ""},
		"support malformed id":   {e.support, "/admin/events/abc", 404, nil, nil, ""},
	}
	browsers := map[int64]*browser{}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, ok := browsers[tc.who.ID]
			if !ok {
				b = e.loggedIn(tc.who)
				browsers[tc.who.ID] = b
			}
			p := b.get(tc.path)
			require.Equal(t, tc.status, p.Status, "%s %s", tc.who.Username, tc.path)
			for _, s := range tc.shows {
				assert.Contains(t, p.Body, s)
			}
			for _, s := range tc.hides {
				assert.NotContains(t, p.Body, s)
			}
			if tc.location != "" {
				assert.Equal(t, tc.location, p.Location())
			}
		})
	}
}

func TestTheNavigationShowsOnlyReadableSections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		who   *crm.User
		shows []string
		hides []string
	}{
		{e.mgr, []string{`href="/admin/clients"`, `href="/admin/contracts"`, `href="/admin/events"`, `href="/admin/users"`}, nil},
		{e.sales, []string{`href="/admin/clients"`, `href="/admin/contracts"`, `href="/admin/events"`, "My profile"}, []string{`href="/admin/users"`}},
		{e.support, []string{`href="/admin/clients"`, `href="/admin/events"`, "Change password"}, []string{`href="/admin/users"`}},
	}
	for _, tc := range cases {
		t.Run(tc.who.Username, func(t *testing.T) {
			p := e.loggedIn(tc.who).get("/admin/")
			require.Equal(t, http.StatusOK, p.Status)
			nav := p.Body[:len(p.Body)/2]
			for _, s := range tc.shows {
				assert.Contains(t, nav, s)
			}
			for _, s := range tc.hides {
				assert.NotContains(t, p.Body, s)
			}
		})
	}
}
