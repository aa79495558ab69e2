package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// setCookie finds a Set-Cookie header of the response by cookie name.
func setCookie(t *testing.T, p *page, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no Set-Cookie for %s in %v", name, p.Header.Values("Set-Cookie"))
	return nil
}

func TestLoginPageSetsADoubleSubmitToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/admin/login")
	require.Equal(t, http.StatusOK, p.Status)
	ck := setCookie(t, p, "epiccrm_login_csrf")
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.Equal(t, "/admin", ck.Path)
	assert.Equal(t, ck.Value, b.csrf, "the form carries the cookie's token")
	assert.Contains(t, p.Body, `name="username"`)
	assert.Contains(t, p.Body, `autocomplete="current-password"`)
}

func TestLoginSucceedsWithANewHttpOnlySessionCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.tryLogin("sam", pw, "")
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/admin/", p.Location())
	ck := setCookie(t, p, "epiccrm_session")
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	assert.Equal(t, "/admin", ck.Path)
	assert.False(t, ck.Secure, "plain HTTP without Config.Secure")
	assert.Len(t, ck.Value, 43, "256 random bits, base64url")
	assert.Equal(t, int((12 * time.Hour).Seconds()), ck.MaxAge, "the cookie does not outlive the absolute timeout")

	dash := b.get("/admin/")
	require.Equal(t, http.StatusOK, dash.Status)
	assert.Contains(t, dash.Body, "Welcome back, Sam")
	assert.Equal(t, "no-store", dash.Header.Get("Cache-Control"))
}

func TestSessionCookieIsSecureWhenConfiguredOrOverHTTPS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		secure  bool
		headers []string
	}{
		{"Config.Secure", true, nil},
		{"X-Forwarded-Proto https", false, []string{"X-Forwarded-Proto", "https"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvOn(t, sqlitetest.New(t), web.Config{Secure: tc.secure})
			b := e.browser()
			b.get("/admin/login")
			form := url.Values{"_csrf": {b.csrf}, "username": {"sam"}, "password": {pw}}
			p := b.post("/admin/login", form, tc.headers...)
			require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
			assert.True(t, setCookie(t, p, "epiccrm_session").Secure)
		})
	}
}

func TestLoginFailuresLookTheSame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.UpdateUser(e.as(e.mgr), e.support2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	var bodies []string
	for _, tc := range []struct{ user, pass string }{{"sam", "wrong-password-1"}, {"nobody", pw}, {"priya", pw}} {
		b := e.browser()
		p := b.tryLogin(tc.user, tc.pass, "")
		assert.Equal(t, http.StatusUnauthorized, p.Status, tc.user)
		assert.Contains(t, p.Body, "The username or password is wrong")
		assert.Empty(t, b.jar["epiccrm_session"], "no session for %s", tc.user)
		bodies = append(bodies, strings.ReplaceAll(p.Body, b.csrf, "TOKEN"))
	}
	assert.Equal(t, strings.Replace(bodies[0], `value="sam"`, `value="nobody"`, 1), bodies[1],
		"an unknown user and a wrong password get the same page")
}

func TestLoginIsThrottledWithARetryTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for i := 0; i < 4; i++ {
		require.Equal(t, http.StatusUnauthorized, b.tryLogin("sam", "wrong-password-1", "").Status)
	}
	p := b.tryLogin("sam", pw, "")
	require.Equal(t, http.StatusTooManyRequests, p.Status, "even the right password waits")
	assert.Equal(t, "900", p.Header.Get("Retry-After"))
	assert.Contains(t, p.Body, "try again in 15 minutes")
	assert.Empty(t, b.jar["epiccrm_session"])

	e.clock.Advance(16 * time.Minute)
	assert.Equal(t, http.StatusSeeOther, b.tryLogin("sam", pw, "").Status, "the throttle lifts after the window")
}

func TestAnonymousRequestsGoToTheLoginPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	cases := []struct{ method, path, want string }{
		{http.MethodGet, "/admin/", "/admin/login"},
		{http.MethodGet, "/admin", "/admin/"}, // then, as above, the login page
		{http.MethodGet, "/admin/clients?q=acme", "/admin/login?next=%2Fadmin%2Fclients%3Fq%3Dacme"},
		{http.MethodGet, "/admin/clients/" + itoa(c.ID), "/admin/login?next=%2Fadmin%2Fclients%2F" + itoa(c.ID)},
		{http.MethodGet, "/admin/users/new", "/admin/login?next=%2Fadmin%2Fusers%2Fnew"},
		{http.MethodGet, "/admin/password", "/admin/login?next=%2Fadmin%2Fpassword"},
		{http.MethodGet, "/admin/no-such-page", "/admin/login?next=%2Fadmin%2Fno-such-page"},
		{http.MethodPost, "/admin/clients/new", "/admin/login"},
		{http.MethodPost, "/admin/clients/" + itoa(c.ID) + "/delete", "/admin/login"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			b := e.browser()
			var p *page
			if tc.method == http.MethodGet {
				p = b.get(tc.path)
			} else {
				p = b.post(tc.path, url.Values{"first_name": {"X"}})
			}
			if tc.path == "/admin/no-such-page" {
				// An unknown path is a 404 page for anyone: it reveals no record.
				assert.Equal(t, http.StatusNotFound, p.Status)
				return
			}
			assert.Equal(t, http.StatusSeeOther, p.Status)
			assert.Equal(t, tc.want, p.Location())
		})
	}
	_, err := e.svc.GetClient(e.as(e.mgr), c.ID)
	assert.NoError(t, err, "the anonymous delete did nothing")
}

func TestLoginRedirectsOnlyToLocalPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct{ next, want string }{
		{"/admin/clients?status=existing", "/admin/clients?status=existing"},
		{"/admin/events/7", "/admin/events/7"},
		{"", "/admin/"},
		{"https://evil.example/admin/", "/admin/"},
		{"//evil.example/admin/", "/admin/"},
		{"/\\evil.example", "/admin/"},
		{"/admin\\..\\evil", "/admin/"},
		{"/admin/../../evil", "/admin/"},
		{"/admin/%2e%2e/evil", "/admin/"},
		{"javascript:alert(1)", "/admin/"},
		{"/administrator", "/admin/"},
		{"/admin/logout", "/admin/"},
		{"/admin/\r\nSet-Cookie: x=y", "/admin/"},
		{"/elsewhere", "/admin/"},
	}
	for _, tc := range cases {
		t.Run(tc.next, func(t *testing.T) {
			b := e.browser()
			login := b.get("/admin/login?next=" + url.QueryEscape(tc.next))
			assert.Contains(t, login.Body, `name="next" value="`+strings.ReplaceAll(tc.want, "&", "&amp;")+`"`)
			p := b.tryLogin("sam", pw, tc.next)
			require.Equal(t, http.StatusSeeOther, p.Status)
			assert.Equal(t, tc.want, p.Location())
		})
	}
}

func TestAClientChosenSessionIDIsNeverAdopted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	planted := strings.Repeat("A", 43)
	b.jar["epiccrm_session"] = planted
	p := b.get("/admin/")
	assert.Equal(t, http.StatusSeeOther, p.Status, "an unknown id is not a session")

	b.jar["epiccrm_session"] = planted
	b.login("sam")
	assert.NotEqual(t, planted, b.jar["epiccrm_session"], "login issues a new id")

	attacker := e.browser()
	attacker.jar["epiccrm_session"] = planted
	assert.Equal(t, http.StatusSeeOther, attacker.get("/admin/").Status, "the planted id does not authenticate")
}

func TestTheSessionIDChangesAtEveryLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.loggedIn(e.sales).jar["epiccrm_session"]

	// A browser that still holds a valid session id logs in again (say, as someone else).
	b := e.browser()
	b.get("/admin/login")
	b.jar["epiccrm_session"] = first
	p := b.submit("/admin/login", url.Values{"username": {"paul"}, "password": {pw}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	second := b.jar["epiccrm_session"]
	assert.NotEqual(t, first, second)
	assert.Contains(t, b.get("/admin/").Body, "Welcome back, Paul")

	old := e.browser()
	old.jar["epiccrm_session"] = first
	assert.Equal(t, http.StatusSeeOther, old.get("/admin/").Status, "the id sent at login no longer works")
}

func TestLogoutEndsTheSessionForGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.sales)
	stolen := b.jar["epiccrm_session"]

	get := b.get("/admin/logout")
	assert.Equal(t, http.StatusMethodNotAllowed, get.Status)
	assert.Equal(t, "POST", get.Header.Get("Allow"))
	assert.Equal(t, http.StatusOK, b.get("/admin/").Status, "a GET does not log out")

	assert.Equal(t, http.StatusForbidden, b.post("/admin/logout", url.Values{}).Status, "logout needs the CSRF token")
	assert.Equal(t, http.StatusOK, b.get("/admin/").Status)

	p := b.submit("/admin/logout", nil)
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/admin/login", p.Location())
	login := b.get("/admin/login")
	assert.Contains(t, login.Body, "You have been logged out.")

	replay := e.browser()
	replay.jar["epiccrm_session"] = stolen
	p = replay.get("/admin/clients")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.True(t, strings.HasPrefix(p.Location(), "/admin/login"))
}

func TestSessionsEndAfterIdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	idle := e.loggedIn(e.sales)
	e.clock.Advance(29 * time.Minute)
	require.Equal(t, http.StatusOK, idle.get("/admin/").Status, "29 idle minutes are fine")
	e.clock.Advance(31 * time.Minute)
	p := idle.get("/admin/")
	assert.Equal(t, http.StatusSeeOther, p.Status, "31 idle minutes end the session")
	assert.Contains(t, idle.get("/admin/login").Body, "Your session expired")

	busy := e.loggedIn(e.support)
	for i := 0; i < 12*3-1; i++ {
		e.clock.Advance(20 * time.Minute)
		require.Equal(t, http.StatusOK, busy.get("/admin/").Status, "active after %d × 20 min", i+1)
	}
	e.clock.Advance(25 * time.Minute)
	assert.Equal(t, http.StatusSeeOther, busy.get("/admin/").Status, "12 hours after login the session ends, active or not")
}

func TestChangingThePasswordEndsTheOtherSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	here := e.loggedIn(e.sales)
	elsewhere := e.loggedIn(e.sales)
	before := here.jar["epiccrm_session"]

	here.get("/admin/password")
	bad := here.submit("/admin/password", url.Values{"current_password": {"not-it-at-all"}, "password": {"Another-Quiet-Harbour-7"},
		"password_confirm": {"Another-Quiet-Harbour-7"}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.Status)
	assert.Contains(t, bad.Body, `id="f-current_password-error"`)

	mismatch := here.submit("/admin/password", url.Values{"current_password": {pw}, "password": {"Another-Quiet-Harbour-7"},
		"password_confirm": {"Another-Quiet-Harbour-8"}})
	assert.Equal(t, http.StatusUnprocessableEntity, mismatch.Status)
	assert.Contains(t, mismatch.Body, "Does not match the new password")

	weak := here.submit("/admin/password", url.Values{"current_password": {pw}, "password": {"12345678"}, "password_confirm": {"12345678"}})
	assert.Equal(t, http.StatusUnprocessableEntity, weak.Status)
	assert.Contains(t, weak.Body, `id="f-password-error"`)
	assert.NotContains(t, weak.Body, "12345678", "a password is never sent back")

	p := here.submit("/admin/password", url.Values{"current_password": {pw}, "password": {"Another-Quiet-Harbour-7"},
		"password_confirm": {"Another-Quiet-Harbour-7"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.NotEqual(t, before, here.jar["epiccrm_session"], "this browser gets a new session")
	dash := here.get("/admin/")
	assert.Equal(t, http.StatusOK, dash.Status)
	assert.Contains(t, dash.Body, "Your password was changed")
	assert.Equal(t, http.StatusSeeOther, elsewhere.get("/admin/").Status, "the other session has ended")

	assert.Equal(t, http.StatusUnauthorized, e.browser().tryLogin("sam", pw, "").Status, "the old password no longer works")
	assert.Equal(t, http.StatusSeeOther, e.browser().tryLogin("sam", "Another-Quiet-Harbour-7", "").Status)
}

func TestDeactivationEndsTheUsersSessionsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sales := e.loggedIn(e.sales)
	mgr := e.loggedIn(e.mgr)
	form := mgr.get("/admin/users/" + itoa(e.sales.ID))
	require.Equal(t, http.StatusOK, form.Status)
	version := regexp1(t, form.Body, `name="version" value="(\d+)"`)
	p := mgr.submit("/admin/users/"+itoa(e.sales.ID), url.Values{"username": {"sam"}, "email": {"sam@epic.example"},
		"first_name": {"Sam"}, "last_name": {"Keller"}, "role": {"sales"}, "is_active": {"false"}, "version": {version}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, http.StatusSeeOther, sales.get("/admin/").Status)
	assert.Contains(t, sales.get("/admin/login").Body, "Your session has ended")
}
