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

func TestInvalidValuesAreShownNextToTheirFieldsWithTheInputKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.sales)
	b.get("/admin/clients/new")
	p := b.submit("/admin/clients/new", url.Values{"first_name": {"Camille"}, "last_name": {""}, "email": {"camille-at-dupont"},
		"phone": {"call me maybe"}, "company": {"Dupont & Fils"}, "status": {"potential"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "Please correct the errors below.")
	for _, f := range []string{"last_name", "email", "phone"} {
		assert.Contains(t, p.Body, `id="f-`+f+`-error"`, f)
		assert.Contains(t, p.Body, `aria-describedby="f-`+f+`-error`, f)
	}
	assert.NotContains(t, p.Body, `id="f-first_name-error"`)
	assert.Contains(t, p.Body, `value="Camille"`)
	assert.Contains(t, p.Body, `value="camille-at-dupont"`)
	assert.Contains(t, p.Body, `value="Dupont &amp; Fils"`)
	assert.Equal(t, 0, clientCount(t, e))
}

func TestUnparseableValuesAreRefusedBeforeTheService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	b := e.loggedIn(e.sales)
	b.get("/admin/contracts/new")
	p := b.submit("/admin/contracts/new", url.Values{"client_id": {itoa(c.ID)}, "amount": {"1,500.00"}, "amount_due": {""},
		"payment_due": {"next week"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, `id="f-amount-error"`)
	assert.Contains(t, p.Body, `id="f-payment_due-error"`)
	assert.Contains(t, p.Body, `value="1,500.00"`)
	ks, _, err := e.svc.ListContracts(e.as(e.mgr), crm.ContractFilter{})
	require.NoError(t, err)
	assert.Empty(t, ks)
}

func TestAStaleFormIsRefusedWithoutLosingTheInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	b := e.loggedIn(e.sales)
	form := b.get("/admin/clients/" + itoa(c.ID))
	version := regexp1(t, form.Body, `name="version" value="(\d+)"`)

	// Someone else saves the client meanwhile.
	_, err := e.svc.UpdateClient(e.as(e.mgr), c.ID, crm.ClientInput{Company: crm.Some("Acme Holdings")}, 0)
	require.NoError(t, err)

	p := b.submit("/admin/clients/"+itoa(c.ID), url.Values{"first_name": {"Ann"}, "last_name": {"Lee-Smith"},
		"email": {c.Email}, "company": {"Acme Europe"}, "status": {"potential"}, "version": {version}})
	require.Equal(t, http.StatusPreconditionFailed, p.Status)
	assert.Contains(t, p.Body, "This record was changed meanwhile.")
	assert.Contains(t, p.Body, "Reload the latest version")
	assert.Contains(t, p.Body, `value="Lee-Smith"`, "the input is kept")
	assert.Contains(t, p.Body, `value="Acme Europe"`)
	got, err := e.svc.GetClient(e.as(e.mgr), c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Acme Holdings", got.Company, "the other change stands")
	assert.Equal(t, "Lee", got.LastName)

	fresh := b.get("/admin/clients/" + itoa(c.ID))
	p = b.submit("/admin/clients/"+itoa(c.ID), url.Values{"first_name": {"Ann"}, "last_name": {"Lee-Smith"}, "email": {c.Email},
		"company": {"Acme Holdings"}, "status": {"potential"}, "version": {regexp1(t, fresh.Body, `name="version" value="(\d+)"`)}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Contains(t, b.get(p.Location()).Body, "The client was saved.")
}

func TestAFieldTheUserMayNotSetIsRefusedNotIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k := e.signedContract(e.sales, c, "500")
	ev := e.event(e.sales, k, "Gala", e.support)
	cases := []struct {
		name string
		who  *crm.User
		path string
		form url.Values
	}{
		{"sales hands a client to someone else", e.sales, "/admin/clients/" + itoa(c.ID), url.Values{"first_name": {"Ann"},
			"last_name": {"Lee"}, "email": {c.Email}, "status": {"potential"}, "sales_contact_id": {itoa(e.sales2.ID)}}},
		{"sales makes themselves management", e.sales, "/admin/users/" + itoa(e.sales.ID), url.Values{"username": {"sam"},
			"email": {"sam@epic.example"}, "role": {"management"}}},
		{"support assigns the event to a colleague", e.support, "/admin/events/" + itoa(ev.ID), url.Values{"name": {"Gala"},
			"event_date": {"2027-06-01T18:00"}, "support_contact_id": {itoa(e.support2.ID)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.loggedIn(tc.who)
			b.get(tc.path)
			p := b.submit(tc.path, tc.form)
			assert.Equal(t, http.StatusForbidden, p.Status)
			assert.Contains(t, p.Body, "You may not set")
		})
	}
	got, err := e.svc.GetClient(e.as(e.mgr), c.ID)
	require.NoError(t, err)
	assert.Equal(t, &e.sales.ID, got.SalesContactID)
	u, err := e.svc.GetUser(e.as(e.mgr), e.sales.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.RoleSales, u.Role)
	gotEv, err := e.svc.GetEvent(e.as(e.mgr), ev.ID)
	require.NoError(t, err)
	assert.Equal(t, &e.support.ID, gotEv.SupportContactID)
}

func TestAReadOnlyRecordCannotBeChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k := e.signedContract(e.sales, c, "500")
	e.event(e.sales, k, "Gala", e.support)
	b := e.loggedIn(e.support)
	b.get("/admin/clients/" + itoa(c.ID))
	p := b.submit("/admin/clients/"+itoa(c.ID), url.Values{"first_name": {"Hacked"}, "last_name": {"Lee"}, "email": {c.Email}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	got, err := e.svc.GetClient(e.as(e.mgr), c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ann", got.FirstName)
}

func TestDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k := e.signedContract(e.sales, c, "500")
	ev := e.event(e.sales, k, "Gala", nil)
	b := e.loggedIn(e.mgr)

	confirm := b.get("/admin/clients/" + itoa(c.ID) + "/delete")
	require.Equal(t, http.StatusOK, confirm.Status)
	assert.NotContains(t, confirm.Body, "Yes, delete it", "a blocked deletion offers no button")
	assert.Contains(t, confirm.Body, `id="delete-blockers"`)
	p := b.submit("/admin/clients/"+itoa(c.ID)+"/delete", url.Values{"version": {regexp1(t, b.get("/admin/clients/"+itoa(c.ID)).Body, `name="version" value="(\d+)"`)}})
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "still has contracts")

	confirm = b.get("/admin/events/" + itoa(ev.ID) + "/delete")
	p = b.submit("/admin/events/"+itoa(ev.ID)+"/delete", url.Values{"version": {"999"}})
	assert.Equal(t, http.StatusPreconditionFailed, p.Status, "a stale confirmation deletes nothing")
	p = b.submit("/admin/events/"+itoa(ev.ID)+"/delete", url.Values{"version": {regexp1(t, confirm.Body, `name="version" value="(\d+)"`)}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/admin/events", p.Location())
	assert.Contains(t, b.get("/admin/events").Body, "The event was deleted.")
	assert.Equal(t, http.StatusNotFound, b.get("/admin/events/"+itoa(ev.ID)).Status)

	self := b.get("/admin/users/" + itoa(e.mgr.ID) + "/delete")
	assert.Equal(t, http.StatusOK, self.Status)
	p = b.submit("/admin/users/"+itoa(e.mgr.ID)+"/delete", nil)
	assert.Equal(t, http.StatusForbidden, p.Status, "nobody deletes their own account")
}

func TestContractsAreSignedByTheirSalesContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	b := e.loggedIn(e.sales)
	b.get("/admin/contracts/new?client_id=" + itoa(c.ID))
	p := b.submit("/admin/contracts/new", url.Values{"client_id": {itoa(c.ID)}, "amount": {"15000"}, "amount_due": {""}, "payment_due": {"2027-06-30"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	page := b.get(p.Location())
	assert.Contains(t, page.Body, "The contract was created.")
	assert.Contains(t, page.Body, `value="15000.00"`, "amount due defaults to the amount")
	id := strings.TrimPrefix(p.Location(), "/admin/contracts/")

	b.get("/admin/events/new")
	early := b.submit("/admin/events/new", url.Values{"contract_id": {id}, "name": {"Too early"}, "event_date": {"2027-07-01T18:00"}})
	assert.Equal(t, http.StatusConflict, early.Status, "no event before the signature")
	assert.Contains(t, early.Body, "not signed yet")
	assert.Contains(t, early.Body, `value="Too early"`)

	b.get("/admin/contracts/" + id)
	signed := b.submit("/admin/contracts/"+id+"/sign", url.Values{"version": {regexp1(t, page.Body, `name="version" value="(\d+)"`)}})
	require.Equal(t, http.StatusSeeOther, signed.Status, signed.Body)
	assert.Contains(t, b.get(signed.Location()).Body, "The contract is signed")
	client := b.get("/admin/clients/" + itoa(c.ID))
	assert.Contains(t, client.Body, "Existing", "signing converts the client")

	again := b.submit("/admin/contracts/"+id+"/sign", url.Values{})
	assert.Equal(t, http.StatusConflict, again.Status)
}

func TestManagementCreatesUsersWithValidatedPasswords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.mgr)
	b.get("/admin/users/new")
	weak := b.submit("/admin/users/new", url.Values{"username": {"zoe"}, "email": {"zoe@epic.example"}, "role": {"support"},
		"is_active": {"false", "true"}, "password": {"password"}})
	require.Equal(t, http.StatusUnprocessableEntity, weak.Status)
	assert.Contains(t, weak.Body, `id="f-password-error"`)
	assert.NotContains(t, weak.Body, `value="password"`, "a password is never sent back")

	dup := b.submit("/admin/users/new", url.Values{"username": {"sam"}, "email": {"other@epic.example"}, "role": {"support"},
		"is_active": {"false", "true"}, "password": {"Quiet-Orchard-Lamp-9"}})
	assert.Equal(t, http.StatusConflict, dup.Status)

	ok := b.submit("/admin/users/new", url.Values{"username": {"zoe"}, "email": {"zoe@epic.example"}, "first_name": {"Zoe"},
		"role": {"support"}, "is_active": {"false", "true"}, "password": {"Quiet-Orchard-Lamp-9"}})
	require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
	assert.Equal(t, http.StatusSeeOther, e.browser().tryLogin("zoe", "Quiet-Orchard-Lamp-9", "").Status)
}
