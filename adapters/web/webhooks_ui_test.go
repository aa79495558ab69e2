package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// secretRE finds a webhook signing secret in a page.
var secretRE = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// webhookForm is the webhook form with url and the given change types ticked.
func webhookForm(u string, events ...string) url.Values {
	f := url.Values{"url": {u}}
	for _, typ := range crm.ChangeTypes {
		name := "event-" + strings.ReplaceAll(typ, ".", "-")
		f.Add(name, "false")
		for _, e := range events {
			if e == typ {
				f.Add(name, "true")
			}
		}
	}
	return f
}

// TestWebhookPages walks management through the webhook pages: the secret is shown once, at
// creation, and never on the list or the webhook's page; disabling says why; the test event is
// delivered to a local receiver and shows in the delivery log; deleting asks first.
func TestWebhookPages(t *testing.T) {
	t.Parallel()
	var received atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), crm.WebhookTestType) && r.Header.Get("webhook-signature") != "" {
			received.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	e := newEnvTuned(t, sqlitetest.New(t), web.Config{}, nil, "", func(c *epiccrm.Config) {
		c.Webhooks = epiccrm.WebhookConfig{AllowPrivate: true, Poll: 10 * time.Millisecond}
	})
	b := e.loggedIn(e.mgr)

	list := b.get("/admin/webhooks")
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	assert.Contains(t, list.Body, "No webhook yet")
	assert.Contains(t, b.get("/admin/").Body, `href="/admin/webhooks"`, "management sees the link")

	// Bad input is refused next to its field, and what was typed is kept.
	form := b.get("/admin/webhooks/new")
	require.Equal(t, http.StatusOK, form.Status)
	assert.Contains(t, form.Body, crm.ChangeContractSigned)
	bad := b.submit("/admin/webhooks/new", webhookForm("ftp://nowhere.example"))
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
	assert.Contains(t, bad.Body, "Must be an absolute http:// or https:// URL")
	assert.Contains(t, bad.Body, "Must list at least one change type")
	assert.Contains(t, bad.Body, `value="ftp://nowhere.example"`)
	hooks, err := e.svc.ListWebhooks(e.as(e.mgr))
	require.NoError(t, err)
	assert.Empty(t, hooks, "nothing is created from a bad form")

	created := b.submit("/admin/webhooks/new", webhookForm(receiver.URL+"/hook", crm.ChangeContractSigned, crm.ChangeClientCreated))
	require.Equal(t, http.StatusCreated, created.Status, created.Body)
	secret := secretRE.FindString(created.Body)
	require.NotEmpty(t, secret, "the secret is shown once, at creation")
	assert.Contains(t, created.Body, "shown only this once")
	hooks, err = e.svc.ListWebhooks(e.as(e.mgr))
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	w := hooks[0]
	assert.Equal(t, []string{crm.ChangeClientCreated, crm.ChangeContractSigned}, sortedCopy(w.Events))
	page := "/admin/webhooks/" + itoa(w.ID)

	list = b.get("/admin/webhooks")
	assert.Contains(t, list.Body, html.EscapeString(receiver.URL+"/hook"))
	assert.NotContains(t, list.Body, "whsec_", "the list never shows a secret")
	p := b.get(page)
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "whsec_", "the webhook's page never shows the secret again")
	assert.Contains(t, p.Body, "Nothing was sent to this webhook yet.")

	// Disable, then enable again.
	p = b.submit(page+"/disable", nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(page)
	assert.Contains(t, p.Body, "disabled by management")
	assert.Contains(t, p.Body, "The webhook is disabled")
	p = b.submit(page+"/enable", nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	got, err := e.svc.GetWebhook(e.as(e.mgr), w.ID)
	require.NoError(t, err)
	assert.True(t, got.Enabled)
	assert.Empty(t, got.DisabledReason)

	// The test event reaches the receiver and shows in the delivery log.
	b.get(page)
	p = b.submit(page+"/test", nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	require.Eventually(t, func() bool {
		log, err := e.svc.WebhookDeliveries(e.as(e.mgr), w.ID, 10)
		return err == nil && len(log) == 1 && log[0].State == crm.MessageDelivered
	}, 10*time.Second, 20*time.Millisecond)
	assert.EqualValues(t, 1, received.Load(), "the receiver got one signed test event")
	p = b.get(page)
	assert.Contains(t, p.Body, "A test event was queued")
	assert.Contains(t, p.Body, crm.WebhookTestType)
	assert.Contains(t, p.Body, "Delivered")
	assert.Contains(t, p.Body, ">204<", "the HTTP status of the attempt")
	assert.Contains(t, b.get("/admin/webhooks").Body, "HTTP 204", "the list shows the last delivery")

	// Deleting asks first, and a POST without the CSRF token is refused.
	confirm := b.get(page + "/delete")
	require.Equal(t, http.StatusOK, confirm.Status)
	assert.Contains(t, confirm.Body, "Delete this webhook?")
	p = b.post(page+"/delete", url.Values{})
	assert.Equal(t, http.StatusForbidden, p.Status, "no CSRF token")
	_, err = e.svc.GetWebhook(e.as(e.mgr), w.ID)
	require.NoError(t, err, "still there")
	p = b.submit(page+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	_, err = e.svc.GetWebhook(e.as(e.mgr), w.ID)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err))
	assert.Equal(t, http.StatusNotFound, b.get(page).Status)
}

// webhook registers a webhook of contract.signed at u, as management.
func (e *env) webhook(u string) *crm.Webhook {
	e.t.Helper()
	w, err := e.svc.CreateWebhook(e.as(e.mgr), crm.WebhookInput{URL: crm.Some(u), Events: crm.Some([]string{crm.ChangeContractSigned})})
	require.NoError(e.t, err)
	return w
}

// sortedCopy returns s sorted, leaving s as it is.
func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestWebhookPagesForbidden checks that sales and support get the forbidden page on every
// webhook page and action, and no link to them.
func TestWebhookPagesForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.webhook("https://hooks.example.com/x")
	page := "/admin/webhooks/" + itoa(w.ID)
	for _, u := range []*crm.User{e.sales, e.support} {
		b := e.loggedIn(u)
		assert.NotContains(t, b.get("/admin/").Body, "/admin/webhooks", u.Username)
		for _, path := range []string{"/admin/webhooks", "/admin/webhooks/new", page, page + "/delete"} {
			assert.Equal(t, http.StatusForbidden, b.get(path).Status, "%s: GET %s", u.Username, path)
		}
		b.get("/admin/")
		for _, path := range []string{"/admin/webhooks/new", page + "/disable", page + "/test", page + "/delete"} {
			assert.Equal(t, http.StatusForbidden, b.submit(path, webhookForm("https://evil.example", crm.ChangeClientCreated)).Status,
				"%s: POST %s", u.Username, path)
		}
	}
	got, err := e.svc.GetWebhook(e.as(e.mgr), w.ID)
	require.NoError(t, err)
	assert.True(t, got.Enabled, "nothing changed")
	hooks, err := e.svc.ListWebhooks(e.as(e.mgr))
	require.NoError(t, err)
	assert.Len(t, hooks, 1)
}

// TestNotificationSettingsPage saves the reminder settings through the page and refuses a bad
// value without saving anything.
func TestNotificationSettingsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.support)
	p := b.get("/admin/notifications")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Events tomorrow")
	assert.Contains(t, b.get("/admin/").Body, `href="/admin/notifications"`, "linked from the account menu")

	form := url.Values{}
	for _, k := range crm.ReminderKinds {
		form.Add(string(k), "false")
	}
	form.Add(string(crm.ReminderEventTomorrow), "true")
	p = b.submit("/admin/notifications", form)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	s, err := e.svc.NotificationSettings(e.as(e.support))
	require.NoError(t, err)
	assert.Equal(t, crm.NotificationSettings{crm.ReminderEventTomorrow: true, crm.ReminderAssigned: false,
		crm.ReminderEventWithoutSupport: false, crm.ReminderContractUnpaid: false}, s)
	p = b.get("/admin/notifications")
	assert.Contains(t, p.Body, "Your notification settings were saved.")
	assert.Regexp(t, `id="f-event_tomorrow" name="event_tomorrow" value="true" checked`, p.Body)
	assert.NotRegexp(t, `id="f-assigned" name="assigned" value="true" checked`, p.Body)

	// A bad value is refused next to its field, and nothing changes.
	p = b.submit("/admin/notifications", url.Values{"assigned": {"maybe"}, "event_tomorrow": {"false"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "Choose on or off.")
	s2, err := e.svc.NotificationSettings(e.as(e.support))
	require.NoError(t, err)
	assert.Equal(t, s, s2, "nothing saved")

	// Without the CSRF token, nothing is saved either.
	p = b.post("/admin/notifications", url.Values{"event_tomorrow": {"false"}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	s2, err = e.svc.NotificationSettings(e.as(e.support))
	require.NoError(t, err)
	assert.True(t, s2[crm.ReminderEventTomorrow])
}

// TestWebhookAndNotificationPagesInFrench renders the webhook, notification and API key pages for a French-speaking manager
// and checks that they show no English text from the catalogue.
func TestWebhookAndNotificationPagesInFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.webhook("https://hooks.example.com/x")
	_, err := e.svc.UpdateWebhook(e.as(e.mgr), w.ID, crm.WebhookInput{Enabled: crm.Some(false)})
	require.NoError(t, err)
	b := e.loggedIn(e.mgr)
	b.get("/admin/preferences")
	p := b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	fragments := englishFragments(t)
	hook := "/admin/webhooks/" + itoa(w.ID)
	pages := map[string]*page{}
	key, err := e.svc.CreateAPIKey(e.as(e.mgr), crm.APIKeyInput{Name: crm.Some("Synchro"), Role: crm.Some(crm.RoleSales)})
	require.NoError(t, err)
	for _, path := range []string{"/admin/webhooks", "/admin/webhooks/new", hook, hook + "/delete", "/admin/notifications",
		"/admin/api-keys", "/admin/api-keys/" + itoa(key.APIKey.ID) + "/revoke", "/admin/users", "/admin/users/" + itoa(key.APIKey.UserID)} {
		pages[path] = b.get(path)
	}
	b.get("/admin/webhooks/new")
	pages["the webhook form with errors"] = b.submit("/admin/webhooks/new", webhookForm(""))
	created := b.submit("/admin/webhooks/new", webhookForm("https://hooks.example.com/y", crm.ChangeClientCreated))
	require.Equal(t, http.StatusCreated, created.Status)
	pages["the new webhook"] = created
	b.get("/admin/notifications")
	pages["the notification form with errors"] = b.submit("/admin/notifications", url.Values{"assigned": {"x"}})
	for path, p := range pages {
		assert.Contains(t, p.Body, `<html lang="fr"`, path)
		for _, frag := range fragments {
			if strings.Contains(p.Body, frag) || strings.Contains(p.Body, html.EscapeString(frag)) {
				t.Errorf("%s shows English %q", path, frag)
			}
		}
	}
	assert.Contains(t, pages["/admin/webhooks"].Body, "Désactivé")
	assert.Contains(t, created.Body, "affiché cette seule fois")
	b.get("/admin/api-keys")
	pages["the new API key"] = b.submit("/admin/api-keys", url.Values{"name": {"Sync"}, "role": {"support"}})
	pages["the API key form with errors"] = b.submit("/admin/api-keys", url.Values{"name": {""}, "role": {"support"}})
	assert.Contains(t, pages["/admin/users"].Body, "Compte de service (clé d’API)")
}
