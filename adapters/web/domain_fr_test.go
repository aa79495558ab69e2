package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	epiccrm "github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// inFrench returns a browser logged in as u, who chose French in their preferences.
func (e *env) inFrench(u *crm.User) *browser {
	e.t.Helper()
	b := e.loggedIn(u)
	b.get("/admin/preferences")
	p := b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}})
	require.Equal(e.t, http.StatusSeeOther, p.Status, p.Body)
	return b
}

// saysInFrench checks that a page shows the domain's message in French and not in English.
func saysInFrench(t *testing.T, p *page, french, english string) {
	t.Helper()
	assert.Contains(t, p.Body, `<html lang="fr"`)
	assert.Contains(t, p.Body, html.EscapeString(french))
	lower := strings.ToLower(html.UnescapeString(p.Body))
	assert.NotContains(t, lower, strings.ToLower(english), "the English message is not shown")
}

// TestDomainMessagesInFrench drives, in French, each page that shows a message of the domain: a
// bulk action that refuses a record, a revert the domain refuses, the access page's reasons, a
// forbidden change and a deletion that other records block. Each page shows the domain's own
// message in French, not a generic sentence and not the English one.
func TestDomainMessagesInFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	free := e.client(e.sales, "Nina", "Free", "Acme")
	m := e.inFrench(e.mgr)

	// A bulk deletion: the client with contracts is refused, with the domain's reason.
	m.get("/admin/clients")
	p := m.submit("/admin/clients/bulk", url.Values{"action": {"delete"}, "id": {itoa(free.ID), itoa(f.own.ID)}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "1 faits, 1 refusés")
	saysInFrench(t, p, "ce client a encore des contrats\u00a0: supprimez-les d’abord", "still has contracts")

	// A bulk assignment refused by a field rule: the reason and the field's message are French.
	m.get("/admin/events")
	p = m.submit("/admin/events/bulk", url.Values{"action": {"assign"}, "contact": {itoa(e.sales.ID)}, "id": {itoa(f.event.ID)}})
	assert.Contains(t, p.Body, "0 faits, 1 refusés")
	saysInFrench(t, p, "valeur non valide pour\u00a0: Contact support", "invalid value for")

	// The deletion of a client that contracts refer to.
	path := "/admin/clients/" + itoa(f.own.ID)
	version := regexp1(t, m.get(path).Body, `name="version" value="(\d+)"`)
	m.get(path + "/delete")
	p = m.submit(path+"/delete", url.Values{"version": {version}})
	assert.Equal(t, http.StatusConflict, p.Status)
	saysInFrench(t, p, "Ce client a encore des contrats\u00a0: supprimez-les d’abord.", "still has contracts")

	// The access page: why each user may or may not read the client.
	p = m.get(path + "/access")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	saysInFrench(t, p, "propres\u00a0: le contact commercial de la fiche client est "+e.sales.Username+", pas "+e.sales2.Username,
		"sales contact is")
	assert.NotContains(t, p.Body, "own\u00a0:", "the scopes of the reasons are French words")
	assert.Contains(t, p.Body, html.EscapeString(e.sales2.Username+" ne peut pas lire la fiche client "+itoa(f.own.ID)))
	assert.NotContains(t, p.Body, "may not read")
	p = m.get("/admin/access-review")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, ">modifier<", "the actions of the review are French words")
	assert.NotContains(t, p.Body, ">update<")
	assert.Contains(t, p.Body, ">propres<", "so are its scopes")
	assert.Contains(t, p.Body, ">toutes<")
	assert.Contains(t, p.Body, ">1 événement<", "and the records they reach")
	for _, english := range []string{">own<", ">any<", ">assigned<", ">self<", " events<", " contracts<", " users<"} {
		assert.NotContains(t, p.Body, english)
	}

	// A message of the store: a list's page link that this server did not issue.
	p = m.get("/admin/clients?cursor=bogus")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	saysInFrench(t, p, "Curseur non valide\u00a0: ce n’est pas un curseur émis par ce serveur.", "not one this server issued")

	// A revert the domain refuses: the change was undone meanwhile, so nothing is left to revert.
	ctx := e.as(e.mgr)
	orig := f.own.Company
	_, err := e.svc.UpdateClient(ctx, f.own.ID, crm.ClientInput{Company: crm.Some("Globex")}, 0)
	require.NoError(t, err)
	link := html.UnescapeString(regexp1(t, m.get(path+"/history").Body, `href="([^"]+/revert)"`))
	now, err := e.svc.UpdateClient(ctx, f.own.ID, crm.ClientInput{Company: crm.Some(orig)}, 0)
	require.NoError(t, err)
	m.get(link)
	p = m.submit(link, url.Values{"version": {itoa(now.Version)}, "confirm": {"true"}})
	assert.Equal(t, http.StatusConflict, p.Status, p.Body)
	entry := link[strings.LastIndex(link[:len(link)-len("/revert")], "/")+1 : len(link)-len("/revert")]
	saysInFrench(t, p, "Rien à annuler\u00a0: chaque champ de l’entrée "+entry+" a déjà sa valeur d’avant.", "nothing to revert")

	// A forbidden change: support may read the client of its event, not change it.
	s := e.inFrench(e.support)
	s.get(path)
	p = s.submit(path, url.Values{"first_name": {"Hacked"}, "last_name": {"Lee"}, "email": {f.own.Email}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	saysInFrench(t, p, "Vous ne pouvez pas modifier ce client.", "may not change this client")
	got, err := e.svc.GetClient(ctx, f.own.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ann", got.FirstName, "nothing changed")

	// A field the user may not set: the field is named by its French label, with the rule's reason.
	sales := e.inFrench(e.sales)
	sales.get(path)
	p = sales.submit(path, url.Values{"first_name": {"Ann"}, "last_name": {"Lee"}, "email": {f.own.Email},
		"sales_contact_id": {itoa(e.sales2.ID)}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	saysInFrench(t, p, "Vous ne pouvez pas définir le champ «\u00a0Commercial\u00a0»\u00a0: seul un utilisateur", "only a user who")
	assert.NotContains(t, p.Body, "sales_contact_id\u00a0:", "the field's name is not shown as the API writes it")
}

// TestDomainMessagesInEnglish checks that the same refusals keep the domain's English text for
// an English user.
func TestDomainMessagesInEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFixtures(t, e)
	m := e.loggedIn(e.mgr)
	path := "/admin/clients/" + itoa(f.own.ID)
	m.get("/admin/clients")
	p := m.submit("/admin/clients/bulk", url.Values{"action": {"delete"}, "id": {itoa(f.own.ID)}})
	assert.Contains(t, p.Body, "this client still has contracts: delete them first")
	p = m.get(path + "/access")
	assert.Contains(t, p.Body, html.EscapeString("own: the client's sales contact is "+e.sales.Username+", not "+e.sales2.Username))
	s := e.loggedIn(e.support)
	s.get(path)
	p = s.submit(path, url.Values{"first_name": {"Hacked"}, "last_name": {"Lee"}, "email": {f.own.Email}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Contains(t, p.Body, "You may not change this client.")
}

// TestWebhookDisabledReasonInFrench checks that the reason a webhook was disabled is shown in
// the user's language, on the list and on the webhook's page.
func TestWebhookDisabledReasonInFrench(t *testing.T) {
	t.Parallel()
	e := newEnvTuned(t, sqlitetest.New(t), web.Config{}, nil, "", func(c *epiccrm.Config) {
		c.Webhooks = epiccrm.WebhookConfig{AllowPrivate: true, Poll: time.Hour}
	})
	ctx := e.as(e.mgr)
	w, err := e.svc.CreateWebhook(ctx, crm.WebhookInput{URL: crm.Some("https://hooks.example/in"), Events: crm.Some([]string{crm.ChangeTypes[0]})})
	require.NoError(t, err)
	_, err = e.svc.UpdateWebhook(ctx, w.ID, crm.WebhookInput{Enabled: crm.Some(false)})
	require.NoError(t, err)
	assert.Contains(t, e.loggedIn(e.mgr).get("/admin/webhooks/"+itoa(w.ID)).Body, "disabled by management", "English is unchanged")
	b := e.inFrench(e.mgr)
	for _, path := range []string{"/admin/webhooks", "/admin/webhooks/" + itoa(w.ID)} {
		p := b.get(path)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		saysInFrench(t, p, "désactivé par la direction", "disabled by management")
	}
}

// TestFrenchNoEnglishLeft checks, in French, texts that no catalogue message held before: the
// "(you)" after the user's own name, a list filter that is not a date or an amount, and the
// field errors of a webhook, which come by their codes.
func TestFrenchNoEnglishLeft(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newFixtures(t, e)
	s := e.inFrench(e.sales)
	p := s.get("/admin/clients")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Sam Keller (vous)")
	assert.NotContains(t, p.Body, "(you)")

	m := e.inFrench(e.mgr)
	p = m.get("/admin/events?event_date=bogus")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	saysInFrench(t, p, "event_date\u00a0: \"bogus\" n’est pas une date comme 2027-06-30", "is not a date")
	p = m.get("/admin/contracts?amount_min=12,5")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	saysInFrench(t, p, "amount_min\u00a0: \"12,5\" n’est pas un montant comme 1500.00", "decimal amount")

	m.get("/admin/clients")
	p = m.submit("/admin/clients/bulk", url.Values{"action": {"delete"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, `<html lang="fr"`)
	assert.NotContains(t, p.Body, "tick the records", "a bulk action with no record says so in French")
	assert.Contains(t, p.Body, html.EscapeString(web.CatalogueTexts("fr")["field.required"]))

	m.get("/admin/webhooks/new")
	p = m.submit("/admin/webhooks/new", url.Values{"url": {"ftp://hooks.example/in"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, `<html lang="fr"`)
	for _, english := range []string{"Must list at least one change type", "Must be an absolute"} {
		assert.NotContains(t, p.Body, english)
	}
	assert.Contains(t, p.Body, html.EscapeString("Doit indiquer au moins un type de modification\u00a0: cochez-en un au moins."))
	assert.Contains(t, p.Body, html.EscapeString("Doit être une adresse absolue http:// ou https://, sans identifiants ni #fragment."))
}
