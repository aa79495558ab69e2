package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
)

// exampleOperation is the part of an operation the tests of the examples read.
type exampleOperation struct {
	OperationID string           `json:"operationId"`
	Security    []map[string]any `json:"security"`
	Parameters  []struct {
		Name    string `json:"name"`
		In      string `json:"in"`
		Example any    `json:"example"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]exampleMedia `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Ref     string                  `json:"$ref"`
		Content map[string]exampleMedia `json:"content"`
	} `json:"responses"`
}

type exampleMedia struct {
	Schema  schema `json:"schema"`
	Example any    `json:"example"`
}

// exampleDoc reads the operations of the document with their examples.
func exampleDoc(t *testing.T, raw []byte) map[string]map[string]exampleOperation {
	t.Helper()
	var d struct {
		Paths map[string]map[string]exampleOperation `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	return d.Paths
}

// successCode returns the one 2xx status an operation documents.
func successCode(t *testing.T, op exampleOperation) string {
	t.Helper()
	var codes []string
	for code := range op.Responses {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	require.Len(t, codes, 1, "%s documents one success status", op.OperationID)
	return codes[0]
}

// TestEveryOperationHasExamples checks that each operation shows how to call it: an example
// for each path parameter and request body, and an example success body (a 204 has none).
func TestEveryOperationHasExamples(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })
	doc, raw := e.fetchOpenAPI(t)
	for path, item := range exampleDoc(t, raw) {
		for method, op := range item {
			t.Run(method+" "+path, func(t *testing.T) {
				for _, p := range op.Parameters {
					if p.In == "path" || p.Name == "If-Match" {
						assert.NotNil(t, p.Example, "parameter %s has no example", p.Name)
					}
				}
				if op.RequestBody != nil {
					for media, c := range op.RequestBody.Content {
						assert.NotNil(t, c.Example, "the %s request body has no example", media)
					}
				}
				code := successCode(t, op)
				if code == "204" {
					assert.Empty(t, op.Responses[code].Content, "a 204 has no body")
					return
				}
				require.NotEmpty(t, op.Responses[code].Content, "the %s response has no body", code)
				for media, c := range op.Responses[code].Content {
					require.NotNil(t, c.Example, "the %s %s response has no example", code, media)
					if obj, ok := c.Example.(map[string]any); ok && c.Schema.Ref != "" {
						if s := doc.resolve(c.Schema); len(s.Properties) > 0 {
							checkAgainst(t, doc, s, obj)
						}
					}
				}
			})
		}
	}
}

// exampleTargets are the fixture records an example request is sent to, by the plural of its
// path, and the fixture records that replace the example ids in the bodies.
var (
	exampleTargets = map[string]string{"users": "P2", "clients": "C1", "contracts": "K2", "events": "E1"}
	exampleRefs    = map[string]string{"sales_contact_id": "S1", "support_contact_id": "P1", "client_id": "C1", "contract_id": "K1"}
)

// TestExampleRequestsWork sends every example request body of the document, as a user allowed
// to make it, to a fresh fixture (with the fixture's ids and a live refresh token in place of
// the example ones), and expects the documented success status: the examples are calls that
// work, not prose.
func TestExampleRequestsWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })
	_, raw := e.fetchOpenAPI(t)
	sent := 0
	for path, item := range exampleDoc(t, raw) {
		for method, op := range item {
			if op.RequestBody == nil {
				continue
			}
			if path == "/api/v1/webhooks/{id}" {
				continue // a webhook's id is not among the env's records: its tests make their own
			}
			if _, csv := op.RequestBody.Content["text/csv"]; csv {
				continue // a CSV file, not a JSON example: import_test.go sends them
			}
			sent++
			t.Run(op.OperationID, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, storeKinds[0])
				body := op.RequestBody.Content["application/json"].Example
				require.NotNil(t, body)
				fields, ok := body.(map[string]any)
				require.True(t, ok, "the example body is a JSON object")
				for k, who := range exampleRefs {
					if _, ok := fields[k]; ok {
						fields[k] = e.ids[who]
					}
				}
				if _, ok := fields["refresh_token"]; ok {
					resp, b := e.do(t, req{method: "POST", path: "/api/v1/auth/login",
						body: `{"username":"sally","password":"` + testPassword + `"}`})
					require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", b)
					var pair struct {
						RefreshToken string `json:"refresh_token"`
					}
					require.NoError(t, json.Unmarshal(b, &pair))
					fields["refresh_token"] = pair.RefreshToken
				}
				target := path
				for plural, who := range exampleTargets {
					target = strings.Replace(target, "/"+plural+"/{id}", "/"+plural+"/{"+who+"}", 1)
				}
				who := "M"
				switch {
				case len(op.Security) == 0:
					who = ""
				case strings.HasPrefix(path, "/api/v1/me") || strings.HasPrefix(path, "/api/v1/auth/"):
					who = "S1"
				}
				b, err := json.Marshal(fields)
				require.NoError(t, err)
				resp, respBody := e.do(t, req{who: who, method: strings.ToUpper(method), path: target, body: string(b)})
				assert.Equal(t, successCode(t, op), fmt.Sprint(resp.StatusCode), "%s %s with %s: %s", method, target, b, respBody)
			})
		}
	}
	assert.Equal(t, 20, sent, "the operations with a body: 3 writes of 4 kinds of record, 4 of authentication, the API key create, the notification settings, the preferences and creating a webhook")
}

// TestOpenAPIServer checks the one server of the document: the root by default, and the
// prefix the routes are mounted under otherwise, so that generated clients call the right URLs.
func TestOpenAPIServer(t *testing.T) {
	t.Parallel()
	servers := func(raw []byte) []string {
		var d struct {
			Servers []struct {
				URL string `json:"url"`
			} `json:"servers"`
		}
		require.NoError(t, json.Unmarshal(raw, &d))
		var urls []string
		for _, s := range d.Servers {
			urls = append(urls, s.URL)
		}
		return urls
	}
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })
	assert.Equal(t, []string{"/"}, servers(e.api.OpenAPI()))
	for base, want := range map[string]string{"": "/", "/": "/", "/crm": "/crm", "/crm/": "/crm", "/tenants/acme": "/tenants/acme"} {
		assert.Equal(t, []string{want}, servers(httpapi.OpenAPIAt(base)), "base path %q", base)
	}
	assert.True(t, strings.HasPrefix(httpapi.DocsExampleRequest("", "getClient"), "GET /api/v1/clients/42\n"))
	assert.True(t, strings.HasPrefix(httpapi.DocsExampleRequest("/crm", "getClient"), "GET /crm/api/v1/clients/42\n"),
		"the docs page's example calls go to the server's prefix")
}

// TestOpenAPIMoneyIsAString checks that every amount in the document is a string with a
// pattern, in requests too: generators cannot write a type for "string or number", so the
// numbers the API also accepts are said in the description, not the type.
func TestOpenAPIMoneyIsAString(t *testing.T) {
	t.Parallel()
	var d struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type        any    `json:"type"`
					Pattern     string `json:"pattern"`
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(httpapi.OpenAPIAt(""), &d))
	var seen []string
	for name, s := range d.Components.Schemas {
		for _, field := range []string{"amount", "amount_due"} {
			p, ok := s.Properties[field]
			if !ok {
				continue
			}
			seen = append(seen, name+"."+field)
			assert.Equal(t, "string", p.Type, "%s.%s", name, field)
			assert.NotEmpty(t, p.Pattern, "%s.%s", name, field)
			if name != "Contract" {
				assert.Contains(t, p.Description, "JSON number", "%s.%s says numbers are accepted", name, field)
			}
		}
	}
	sort.Strings(seen)
	assert.Equal(t, []string{"Contract.amount", "Contract.amount_due", "ContractCreate.amount", "ContractCreate.amount_due",
		"ContractPatch.amount", "ContractPatch.amount_due", "ContractReplace.amount", "ContractReplace.amount_due"}, seen)
}

// TestOpenAPIEnumerationsAreNamed checks that each enumeration of the domain is one component
// schema that records, bodies and query parameters refer to, so that a generated client has one
// type for it (ClientStatus) rather than one per place it appears.
func TestOpenAPIEnumerationsAreNamed(t *testing.T) {
	t.Parallel()
	var d struct {
		Components struct {
			Schemas map[string]struct {
				Enum       []string                   `json:"enum"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	raw := httpapi.OpenAPIAt("")
	require.NoError(t, json.Unmarshal(raw, &d))
	for name, values := range map[string][]string{
		"Role": {"management", "sales", "support"}, "ClientStatus": {"potential", "existing"},
		"ContractStatus": {"open", "signed"}, "EventStatus": {"open", "closed"},
		"AuditAction":   {"read", "create", "update", "delete", "assign", "sign"},
		"AuditResource": {"user", "client", "contract", "event"},
	} {
		assert.Equal(t, values, d.Components.Schemas[name].Enum, name)
	}
	for name, s := range d.Components.Schemas {
		for field, p := range s.Properties {
			assert.NotContains(t, string(p), `"enum"`, "%s.%s lists its values in place of referring to its enumeration", name, field)
		}
	}
	var params struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string          `json:"name"`
				Schema json.RawMessage `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &params))
	for _, want := range []struct{ path, param, ref string }{
		{"/api/v1/clients", "status", "ClientStatus"}, {"/api/v1/users", "role", "Role"},
		{"/api/v1/audit", "resource", "AuditResource"}, {"/api/v1/events", "status", "EventStatus"},
	} {
		var got string
		for _, p := range params.Paths[want.path]["get"].Parameters {
			if p.Name == want.param {
				got = string(p.Schema)
			}
		}
		assert.Contains(t, got, `"#/components/schemas/`+want.ref+`"`, "%s?%s", want.path, want.param)
	}
}
