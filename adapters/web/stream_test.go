package web_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// TestBrowserListShowsLiveChanges opens the client list as a sales user in headless Chromium:
// a change to another sales user's client shows nothing, a change by management to one of the
// user's own clients shows "1 change — refresh". It is not parallel, so that two browsers do not
// compete for the machine.
func TestBrowserListShowsLiveChanges(t *testing.T) {
	chromium := findChromium(t)
	e := newEnvAt(t, sqlitetest.New(t), web.Config{}, nil, "")
	mine := e.client(e.sales, "Mina", "Mine", "Mine Corp")
	theirs := e.client(e.sales2, "Olga", "Hidden", "Other Corp")

	b, _ := startTab(t, chromium, e, "", 150*time.Second, 1440, 900)
	b.login("sam")
	b.open("/admin/clients")
	b.do(chromedp.WaitVisible(chromedp.CSS("body[data-stream=open]"))) // the page's stream is open

	_, err := e.svc.UpdateClient(e.as(e.mgr), theirs.ID, crm.ClientInput{Company: crm.Some("Other Corp II")}, 0)
	require.NoError(t, err)
	_, err = e.svc.UpdateClient(e.as(e.mgr), mine.ID, crm.ClientInput{Company: crm.Some("Mine Corp II")}, 0)
	require.NoError(t, err)
	b.do(chromedp.WaitVisible(chromedp.CSS("[data-stream-notice]")))
	require.Equal(t, "1 change — refresh", b.text("[data-stream-notice]"))
	b.shot("live-changes-notice")
}

// TestCalendarPage creates, shows once, rotates and revokes a user's calendar address.
func TestCalendarPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.support)
	p := b.get("/admin/calendar")
	require.Equal(t, 200, p.Status)
	require.Contains(t, p.Body, "You have no calendar address yet.")
	p = b.submit("/admin/calendar", url.Values{"action": {"new"}})
	require.Equal(t, 200, p.Status, p.Body)
	first := regexp1(t, p.Body, `/api/v1/calendar/(cal_[A-Za-z0-9_-]{43})\.ics`)
	p = b.get("/admin/calendar")
	require.NotContains(t, p.Body, first, "the address is shown only once")
	require.Contains(t, p.Body, "Revoke the address")
	p = b.submit("/admin/calendar", url.Values{"action": {"new"}})
	require.NotEqual(t, first, regexp1(t, p.Body, `/api/v1/calendar/(cal_[A-Za-z0-9_-]{43})\.ics`))
	p = b.submit("/admin/calendar", url.Values{"action": {"revoke"}})
	require.Contains(t, p.Body, "Calendar address revoked")
	require.Contains(t, b.get("/admin/calendar").Body, "You have no calendar address yet.")
}
