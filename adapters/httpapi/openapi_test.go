package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// openAPI is the part of the OpenAPI document the tests read.
type openAPI struct {
	OpenAPI    string                                 `json:"openapi"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Security    []map[string]any           `json:"security"`
	Parameters  []openAPIParameter         `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type openAPIParameter struct {
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Ref     string   `json:"$ref"`
		Type    any      `json:"type"`
		Format  string   `json:"format"`
		Enum    []string `json:"enum"`
		Pattern string   `json:"pattern"`
	} `json:"schema"`
}

// example returns a value that the parameter's schema allows, and whether the test knows one
// (a cursor can only come from a previous page).
func (p openAPIParameter) example() (string, bool) {
	s := p.Schema
	switch {
	case p.Name == "cursor":
		return "", false
	case len(s.Enum) > 0:
		return s.Enum[0], true
	case s.Format == "date":
		return "2027-06-01", true
	case s.Format == "date-time":
		return "2027-06-01T20:00:00+02:00", true
	case s.Pattern != "":
		return "1500.00", true
	case s.Type == "integer":
		return "1", true
	case s.Type == "boolean":
		return "true", true
	case s.Type == "string":
		return "acme", true
	}
	return "", false
}

type schema struct {
	Ref        string            `json:"$ref"`
	Enum       []string          `json:"enum"`
	Properties map[string]schema `json:"properties"`
	Required   []string          `json:"required"`
	Items      *schema           `json:"items"`
}

// fetchOpenAPI reads the document the app serves.
func (e *env) fetchOpenAPI(t *testing.T) (openAPI, []byte) {
	t.Helper()
	resp, body := e.do(t, req{method: "GET", path: "/api/openapi.json"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc openAPI
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc, body
}

// routeDiff compares the routes an app serves with the operations a document describes. It
// returns the routes nobody documented and the operations no route serves. A HEAD route that
// mirrors a GET one (Fiber adds them) counts as the GET.
func routeDiff(app *fiber.App, doc openAPI) (undocumented, unserved []string) {
	served := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		p := regexp.MustCompile(`:([a-z_]+)`).ReplaceAllString(r.Path, "{$1}")
		served[r.Method+" "+p] = true
	}
	documented := map[string]bool{}
	for p, item := range doc.Paths {
		for m := range item {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	for k := range served {
		if method, p, _ := strings.Cut(k, " "); method == "HEAD" && served["GET "+p] {
			continue
		}
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !served[k] {
			unserved = append(unserved, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unserved)
	return undocumented, unserved
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })
	doc, raw := e.fetchOpenAPI(t)
	assert.Equal(t, "3.1.0", doc.OpenAPI)

	undocumented, unserved := routeDiff(e.app, doc)
	assert.Empty(t, undocumented, "routes the document does not describe")
	assert.Empty(t, unserved, "documented operations no route serves")

	t.Run("the comparison catches a stray route", func(t *testing.T) {
		app := httpapi.NewApp(httpapi.Config{})
		e.api.Register(app)
		app.Get("/api/v1/internal/export", func(c *fiber.Ctx) error { return nil })
		undocumented, _ := routeDiff(app, doc)
		assert.Equal(t, []string{"GET /api/v1/internal/export"}, undocumented)
	})

	t.Run("operations are complete", func(t *testing.T) {
		ids := map[string]bool{}
		for p, item := range doc.Paths {
			for m, op := range item {
				assert.NotEmpty(t, op.OperationID, "%s %s", m, p)
				assert.False(t, ids[op.OperationID], "operationId %s is not unique", op.OperationID)
				ids[op.OperationID] = true
				assert.NotNil(t, op.Security, "%s %s says nothing of authentication", m, p)
				assert.Contains(t, op.Responses, "500", "%s %s", m, p)
				public := publicRoutes[strings.ToUpper(m)+" "+p]
				assert.Equal(t, public, len(op.Security) == 0, "%s %s: public in the document but not the spec, or the reverse", m, p)
				if !public {
					assert.Contains(t, op.Responses, "401", "%s %s", m, p)
				}
			}
		}
	})

	t.Run("every reference resolves", func(t *testing.T) {
		var generic any
		require.NoError(t, json.Unmarshal(raw, &generic))
		refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(raw), -1)
		require.NotEmpty(t, refs)
		for _, m := range refs {
			node := generic
			for _, part := range strings.Split(m[1], "/") {
				obj, ok := node.(map[string]any)
				require.True(t, ok, "reference #/%s does not resolve", m[1])
				node, ok = obj[part]
				require.True(t, ok, "reference #/%s does not resolve", m[1])
			}
		}
	})
}

// TestDocumentedQueryParametersAreAccepted sends every query parameter the document describes,
// with a value its schema allows, and expects it to be understood: the parser and the document
// are one table, and this keeps them so.
func TestDocumentedQueryParametersAreAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	doc, _ := e.fetchOpenAPI(t)
	checked := map[string]bool{}
	for path, item := range doc.Paths {
		op, ok := item["get"]
		if !ok || strings.Contains(path, "{") || path == "/api/v1/stream" { // a stream never ends: stream_test.go sends its parameter
			continue
		}
		for _, p := range op.Parameters {
			if p.Schema.Ref != "" {
				p.Schema.Enum = doc.resolve(schema{Ref: p.Schema.Ref}).Enum
			}
			v, known := p.example()
			if p.In != "query" || !known {
				continue
			}
			target := path + "?" + url.Values{p.Name: {v}}.Encode()
			checked[target] = true
			t.Run(target, func(t *testing.T) {
				resp, body := e.do(t, req{who: "M", method: "GET", path: target})
				assert.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			})
		}
	}
	for _, want := range []string{"/api/v1/contracts?q=acme", "/api/v1/events?from=2027-06-01T20%3A00%3A00%2B02%3A00",
		"/api/v1/events?to=2027-06-01T20%3A00%3A00%2B02%3A00", "/api/v1/clients?q=acme",
		"/api/v1/clients?status=potential", "/api/v1/users?role=management", "/api/v1/audit?resource=user"} {
		assert.True(t, checked[want], "%s is not documented", want)
	}
}

// TestResponsesMatchTheDocument checks that what the API sends is what the document says:
// every key of a record is in its schema (so nothing undocumented leaks, such as a password
// hash) and every required key is sent.
func TestResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	doc, _ := e.fetchOpenAPI(t)
	cases := []struct {
		who, path, docPath string
	}{
		{"M", "/api/v1/users/{S1}", "/api/v1/users/{id}"},
		{"S1", "/api/v1/me", "/api/v1/me"},
		{"P1", "/api/v1/clients/{C1}", "/api/v1/clients/{id}"},
		{"S1", "/api/v1/contracts/{K1}", "/api/v1/contracts/{id}"},
		{"P1", "/api/v1/events/{E1}", "/api/v1/events/{id}"},
		{"M", "/api/v1/users", "/api/v1/users"},
		{"M", "/api/v1/clients", "/api/v1/clients"},
		{"M", "/api/v1/contracts", "/api/v1/contracts"},
		{"M", "/api/v1/events", "/api/v1/events"},
		{"M", "/api/v1/audit", "/api/v1/audit"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := e.do(t, req{who: tc.who, method: "GET", path: tc.path})
			require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			s := doc.responseSchema(t, tc.docPath, "get", "200")
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			checkAgainst(t, doc, s, v)
		})
	}
	t.Run("a login", func(t *testing.T) {
		resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"pat","password":"` + testPassword + `"}`})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		checkAgainst(t, doc, doc.responseSchema(t, "/api/v1/auth/login", "post", "200"), v)
	})
}

// responseSchema returns the schema of one response of an operation.
func (d openAPI) responseSchema(t *testing.T, path, method, status string) schema {
	t.Helper()
	op, ok := d.Paths[path][method]
	require.True(t, ok, "%s %s is not documented", method, path)
	var r struct {
		Content map[string]struct {
			Schema schema `json:"schema"`
		} `json:"content"`
	}
	require.NoError(t, json.Unmarshal(op.Responses[status], &r))
	return d.resolve(r.Content["application/json"].Schema)
}

func (d openAPI) resolve(s schema) schema {
	if s.Ref != "" {
		return d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// checkAgainst checks an object's keys against an object schema, and the items of a page.
func checkAgainst(t *testing.T, d openAPI, s schema, v map[string]any) {
	t.Helper()
	require.NotEmpty(t, s.Properties, "the schema describes no properties")
	for k := range v {
		assert.Contains(t, s.Properties, k, "the response has a key the document does not describe")
	}
	for _, k := range s.Required {
		assert.Contains(t, v, k, "the response lacks a required key")
	}
	for _, k := range []string{"password", "password_hash", "auth_version", "version"} {
		assert.NotContains(t, v, k)
	}
	if items, ok := v["items"].([]any); ok {
		require.NotEmpty(t, items, "the page is empty: nothing to check")
		item := d.resolve(*s.Properties["items"].Items)
		for _, it := range items {
			checkAgainst(t, d, item, it.(map[string]any))
		}
	}
}

// swapAuthz is a policy that can be replaced while the server runs, as an operator's edit
// would be picked up.
type swapAuthz struct{ p atomic.Pointer[policy.Policy] }

func (s *swapAuthz) Scopes(role crm.Role, res crm.Resource, act crm.Action) []crm.Scope {
	return s.p.Load().Scopes(role, res, act)
}

// TestDocsPage checks the rendered reference: no script at all, a stylesheet allowed by its
// hash alone, every operation, and the permissions of the policy in force when it is served.
func TestDocsPage(t *testing.T) {
	t.Parallel()
	def, err := policy.Default()
	require.NoError(t, err)
	authz := &swapAuthz{}
	authz.p.Store(def)
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.noFixture = true
		o.wrap = func(d crm.Deps) crm.Deps { d.Authorizer = authz; return d }
	})
	page := func(t *testing.T) (string, *http.Response) {
		t.Helper()
		resp, body := e.do(t, req{method: "GET", path: "/api/docs"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		return string(body), resp
	}
	html, resp := page(t)

	t.Run("no script, one stylesheet allowed by hash", func(t *testing.T) {
		assert.NotContains(t, strings.ToLower(html), "<script")
		assert.NotRegexp(t, `(?i)\son[a-z]+=`, html)
		assert.NotContains(t, html, "http://")
		assert.NotContains(t, html, "https://")
		csp := resp.Header.Get("Content-Security-Policy")
		assert.NotContains(t, csp, "unsafe")
		m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(html)
		require.Len(t, m, 2)
		sum := sha256.Sum256([]byte(m[1]))
		assert.Contains(t, csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		assert.Contains(t, csp, "default-src 'none'")
	})

	t.Run("every operation is on the page", func(t *testing.T) {
		doc, _ := e.fetchOpenAPI(t)
		for _, item := range doc.Paths {
			for _, op := range item {
				assert.Contains(t, html, `id="op-`+op.OperationID+`"`)
			}
		}
		assert.Contains(t, html, `id="problem-not-found"`)
		assert.Contains(t, html, `id="schema-ClientPatch"`)
	})

	t.Run("every operation shows an example call", func(t *testing.T) {
		doc, _ := e.fetchOpenAPI(t)
		for _, item := range doc.Paths {
			for _, op := range item {
				_, section, ok := strings.Cut(html, `id="op-`+op.OperationID+`"`)
				require.True(t, ok, "no section for %s", op.OperationID)
				section, _, _ = strings.Cut(section, "</section>")
				assert.Regexp(t, `<pre class="example-request"><code>(GET|POST|PUT|PATCH|DELETE) /`, section, op.OperationID)
				assert.Regexp(t, `<pre class="example-response"><code>2\d\d `, section, op.OperationID)
			}
		}
		_, section, _ := strings.Cut(html, `id="op-updateClient"`)
		section, _, _ = strings.Cut(section, "</section>")
		for _, want := range []string{"PATCH /api/v1/clients/42\n", "Authorization: Bearer &lt;access token&gt;\n",
			"If-Match: &#34;3&#34;\n", "Content-Type: application/json\n\n{\n  &#34;phone&#34;: ",
			"200 OK\n", "&#34;company&#34;: &#34;Acme Corp&#34;"} {
			assert.Contains(t, section, want)
		}
	})

	t.Run("the permissions follow the policy in force", func(t *testing.T) {
		assert.Equal(t, []string{"any", "own", "assigned"}, scopesOn(t, html, "listClients", "read"))
		assert.Equal(t, []string{"any", "no", "no"}, scopesOn(t, html, "deleteClient", "delete"))
		assert.Equal(t, []string{"any", "own", "no"}, scopesOn(t, html, "signContract", "sign"))

		edited, err := policy.Parse("edited.csv", []byte(strings.Replace(policy.DefaultCSV,
			"p, sales, client, read, own", "p, sales, client, read, any", 1)))
		require.NoError(t, err)
		authz.p.Store(edited)
		html, _ := page(t)
		assert.Equal(t, []string{"any", "any", "assigned"}, scopesOn(t, html, "listClients", "read"))
	})
}

// scopesOn returns the scopes the docs page shows for management, sales and support on an
// operation's permission row for action.
func scopesOn(t *testing.T, html, opID, action string) []string {
	t.Helper()
	_, section, ok := strings.Cut(html, `id="op-`+opID+`"`)
	require.True(t, ok, "no section for %s", opID)
	section, _, _ = strings.Cut(section, "</section>")
	row := regexp.MustCompile(`<tr><td><code>` + action + `</code>.*?</tr>`).FindString(section)
	require.NotEmpty(t, row, "no %s row for %s", action, opID)
	var out []string
	for _, m := range regexp.MustCompile(`<td class="(?:yes|no)">([^<]*)</td>`).FindAllStringSubmatch(row, -1) {
		out = append(out, m[1])
	}
	return out
}
