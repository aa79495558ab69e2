package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// clientCount counts the clients management sees.
func clientCount(t *testing.T, e *env) int {
	t.Helper()
	cs, _, err := e.svc.ListClients(e.as(e.mgr), crm.ClientFilter{})
	require.NoError(t, err)
	return len(cs)
}

func TestWritesWithoutTheSessionsCSRFTokenAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.sales)
	other := e.loggedIn(e.sales2)
	b.get("/admin/clients/new")
	good := b.csrf
	form := func(token string) url.Values {
		v := url.Values{"first_name": {"Eve"}, "last_name": {"Forger"}, "email": {"eve@forger.example"}}
		if token != "" {
			v.Set("_csrf", token)
		}
		return v
	}
	cases := []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"no token", form(""), nil},
		{"a wrong token", form(strings.Repeat("x", 43)), nil},
		{"a malformed token", form("short"), nil},
		{"the token of another session", form(other.csrf), nil},
		{"a cross-site Origin", form(good), []string{"Origin", "https://evil.example"}},
		{"a null Origin", form(good), []string{"Origin", "null"}},
		{"Sec-Fetch-Site: cross-site", form(good), []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("/admin/clients/new", tc.form, tc.headers...)
			assert.Equal(t, http.StatusForbidden, p.Status)
			assert.Contains(t, p.Body, "Request refused")
			assert.Equal(t, 0, clientCount(t, e), "nothing was created")
		})
	}
	t.Run("a token in the query string instead of the form", func(t *testing.T) {
		p := b.post("/admin/clients/new?_csrf="+url.QueryEscape(good), form(""))
		assert.Equal(t, http.StatusForbidden, p.Status)
	})
	p := b.post("/admin/clients/new", form(good), "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusSeeOther, p.Status, "the same form with the right token and origin works: %s", p.Body)
	assert.Equal(t, 1, clientCount(t, e))
}

func TestTheLoginFormNeedsItsDoubleSubmitToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name   string
		cookie string
		field  string
	}{
		{"no token at all", "", ""},
		{"a field but no cookie", "", strings.Repeat("a", 43)},
		{"a cookie but no field", strings.Repeat("a", 43), ""},
		{"a field that differs from the cookie", strings.Repeat("a", 43), strings.Repeat("b", 43)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			if tc.cookie != "" {
				b.jar["epiccrm_login_csrf"] = tc.cookie
			}
			p := b.post("/admin/login", url.Values{"_csrf": {tc.field}, "username": {"sam"}, "password": {pw}})
			assert.Equal(t, http.StatusForbidden, p.Status)
			assert.Empty(t, b.jar["epiccrm_session"], "no session was started")
		})
	}
	t.Run("a cross-site login", func(t *testing.T) {
		b := e.browser()
		b.get("/admin/login")
		p := b.post("/admin/login", url.Values{"_csrf": {b.csrf}, "username": {"sam"}, "password": {pw}}, "Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Empty(t, b.jar["epiccrm_session"])
	})
}

func TestMutatingAddressesRefuseGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k, err := e.svc.CreateContract(e.as(e.sales), crm.ContractInput{ClientID: crm.Some(c.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	b := e.loggedIn(e.sales)
	for _, path := range []string{"/admin/logout", "/admin/contracts/" + itoa(k.ID) + "/sign"} {
		p := b.get(path)
		assert.Equal(t, http.StatusMethodNotAllowed, p.Status, path)
		assert.Equal(t, "POST", p.Header.Get("Allow"), path)
	}
	k, err = e.svc.GetContract(e.as(e.sales), k.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ContractOpen, k.Status, "a GET signs nothing")

	del := b.get("/admin/clients/" + itoa(c.ID) + "/delete")
	assert.Equal(t, http.StatusForbidden, del.Status, "sales may not delete clients")
	_, err = e.svc.GetClient(context.Background(), c.ID)
	assert.Error(t, err, "no actor: the service refuses")
	_, err = e.svc.GetClient(e.as(e.mgr), c.ID)
	assert.NoError(t, err, "the client still exists")
}
