package web_test

import (
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// payloads are stored XSS attempts: each must come back as text.
var payloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</textarea><svg onload=alert(1)>`,
	`javascript:alert(1)`,
}

func TestStoredMarkupIsShownAsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sales := e.as(e.sales)
	var clients []*crm.Client
	for i, p := range payloads {
		c, err := e.svc.CreateClient(sales, crm.ClientInput{FirstName: crm.Some(p), LastName: crm.Some(p), Company: crm.Some(p),
			Email: crm.Some("x" + itoa(int64(i)) + "@xss.example")})
		require.NoError(t, err)
		clients = append(clients, c)
	}
	k := e.signedContract(e.sales, clients[0], "100")
	ev, err := e.svc.CreateEvent(sales, crm.EventInput{ContractID: crm.Some(k.ID), Name: crm.Some(payloads[0]),
		Location: crm.Some(payloads[1]), Notes: crm.Some(payloads[2] + payloads[3]), EventDate: crm.Some(e.clock.Now().AddDate(0, 1, 0))})
	require.NoError(t, err)
	_, err = e.svc.AssignSupport(e.as(e.mgr), ev.ID, &e.support.ID, 0)
	require.NoError(t, err)

	pages := map[*crm.User][]string{
		e.mgr: {"/admin/", "/admin/clients", "/admin/contracts", "/admin/events", "/admin/clients/" + itoa(clients[1].ID),
			"/admin/clients/" + itoa(clients[2].ID) + "/history", "/admin/events/" + itoa(ev.ID), "/admin/events/" + itoa(ev.ID) + "/history",
			"/admin/clients/" + itoa(clients[3].ID) + "/delete", "/admin/contracts/" + itoa(k.ID), "/admin/events/new"},
		e.support: {"/admin/", "/admin/clients/" + itoa(clients[0].ID), "/admin/events/" + itoa(ev.ID)},
		e.sales:   {"/admin/", "/admin/clients?q=" + "%3Cscript%3E", "/admin/contracts/new?client_q=xss.example", "/admin/events?q=%22%3E%3Cimg"},
	}
	for who, paths := range pages {
		b := e.loggedIn(who)
		for _, path := range paths {
			p := b.get(path)
			require.Equal(t, http.StatusOK, p.Status, path)
			for _, raw := range payloads[:3] {
				assert.NotContains(t, p.Body, raw, "%s shows %s unescaped", path, raw)
			}
			assert.NotContains(t, p.Body, `href="javascript:`, path)
			assert.NotContains(t, p.Body, "onerror=alert(1)>", path)
			assert.Contains(t, p.Body, html.EscapeString("alert(1)"), "%s shows the payload as text", path)
		}
	}
	// The search box echoes the query as text too.
	p := e.loggedIn(e.sales).get("/admin/clients?q=%22%3E%3Cscript%3Ealert(2)%3C%2Fscript%3E")
	assert.NotContains(t, p.Body, "<script>alert(2)")
}

// TestNoTemplateBypassesEscaping guards the rule that no page builds markup from data: no
// html/template escape hatches and no text/template anywhere in the package.
func TestNoTemplateBypassesEscaping(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src := string(b)
		for _, banned := range []string{"template.HTML(", "template.JS(", "template.URL(", "template.HTMLAttr(", "template.CSS(",
			"template.Srcset(", `"text/template"`} {
			assert.NotContains(t, src, banned, "%s uses %s", f, banned)
		}
	}
	tmpls, err := filepath.Glob("templates/*/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, tmpls)
	for _, f := range tmpls {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "<script>", "%s has an inline script", f)
		assert.NotContains(t, string(b), " style=", "%s has an inline style", f)
		assert.NotRegexp(t, ` on[a-z]+=`, string(b), "%s has an inline event handler", f)
	}
}
