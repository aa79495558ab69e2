package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/i18n"
	"github.com/gofiber/fiber/v2"
)

//go:embed docs.html
var docsTemplateText string

// The reference page speaks the languages of i18n.Languages. Its texts, the template's and
// those it takes from the OpenAPI document (which stays English), are translated by the catalogue
// locales/docs.<lang>.json of each other language: a JSON object from the English text to its
// translation. A text the catalogue lacks would show in English: the catalogue test refuses that.
//
//go:embed locales/docs.*.json
var docsLocaleFiles embed.FS

// docsCatalogue holds the translations of the page, by language (English has none).
var docsCatalogue = func() map[string]map[string]any {
	var langs []string
	for _, l := range i18n.Languages {
		if l != docsSourceLanguage {
			langs = append(langs, l)
		}
	}
	c, err := i18n.Load(docsLocaleFiles, langs, func(lang string) string { return "locales/docs." + lang + ".json" })
	if err != nil {
		panic("httpapi: " + err.Error())
	}
	return c.Messages
}()

// docsSourceLanguage is the language of the OpenAPI document and of the page's template.
const docsSourceLanguage = "en"

// docsLanguageNames are the names of the page's languages in themselves, for its switch.
var docsLanguageNames = map[string]string{"en": "English", "fr": "Français"}

// docsTranslator translates the texts of the page into one language, and records the texts it
// was asked for (the catalogue test checks that each has a translation).
type docsTranslator struct {
	msgs map[string]any // nil for the source language
	// mu guards asked: the page's templates translate on every request, concurrently.
	mu    sync.Mutex
	asked map[string]bool
}

func newDocsTranslator(lang string) *docsTranslator {
	return &docsTranslator{msgs: docsCatalogue[lang], asked: map[string]bool{}}
}

// t returns the translation of an English text, or the text itself when there is none.
func (tr *docsTranslator) t(s string) string {
	if s == "" {
		return s
	}
	tr.mu.Lock()
	tr.asked[s] = true
	tr.mu.Unlock()
	if m, ok := tr.msgs[s].(string); ok {
		return m
	}
	return s
}

// docsTemplates are the page's template in each language: t translates a text of the
// template, th one holding markup (the template's and the catalogue's own, never a request's).
var docsTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		tr := newDocsTranslator(lang)
		out[lang] = template.Must(template.New("docs").Funcs(template.FuncMap{
			"t": tr.t,
			// th's texts are the template's and the catalogue's, both part of the program: trusted markup.
			"th": func(s string) template.HTML { return template.HTML(tr.t(s)) },
		}).Parse(docsTemplateText))
	}
	return out
}()

// docsCSP allows the page's one stylesheet, by hash, and nothing else: no script at all.
var docsCSP = func() string {
	_, rest, _ := strings.Cut(docsTemplateText, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

// docsPage is the /api/docs page, read from the OpenAPI document once in each language; only
// the permissions are computed per request, from the policy the service runs with at that moment.
type docsPage struct {
	view  docsView            // in the source language
	views map[string]docsView // by language, the source language's included
	// texts are the texts of the document the page shows, which each catalogue translates.
	texts []string
}

type docsView struct {
	Lang       string
	Switch     []docsLanguageLink
	Base       string // the path the API is mounted under ("" at the root)
	Title      string
	PageTitle  string
	Version    string
	Paragraphs []string
	Roles      []string
	Groups     []docsGroup
	Problems   []docsProblem
	Schemas    []docsSchema
}

// docsLanguageLink is a link of the page's language switch.
type docsLanguageLink struct {
	Code, Name, Href string
	Current          bool
}

type docsGroup struct {
	Tag  string // the tag of the document
	Name string // the tag as the page names it, translated
	Ops  []docsOp
}

type docsOp struct {
	Anchor    string
	Class     string
	Method    string
	Path      string
	Summary   string
	Public    bool
	Params    []docsField
	Body      string // the request body's schema in a few words
	BodyRef   string // the name of the body's schema on the page, if it has a section there
	Responses []docsResponse
	Perms     []docsPerm
	// ExampleRequest and ExampleResponse show a call of the operation, from the examples of
	// the document: the request line, headers and body, and the status and body of success.
	ExampleRequest  string
	ExampleResponse string
}

type docsPerm struct {
	Resource, Action, Note string
	Scopes                 []docsScopes
}

type docsScopes struct {
	Role   string
	Scopes string
	Denied bool // the role may not, under any scope
}

type docsField struct {
	Name, In, Type, Description string
	Required                    bool
}

// docsResponse is one response of an operation: its body's schema in a few words (Schema) and,
// when that schema is a named one of the page, the name its link points to (SchemaRef).
type docsResponse struct {
	Status, Description, Schema, SchemaRef string
}

type docsProblem struct {
	Anchor, Type, Title, Description string
	Status                           int
}

type docsSchema struct {
	Name        string
	Description string
	Values      string // the values of an enumeration
	Fields      []docsField
}

// openAPIDoc is the part of the OpenAPI document the page shows.
type openAPIDoc struct {
	Info struct {
		Title, Version, Description string
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas   map[string]jsonSchema `json:"schemas"`
		Responses map[string]struct {
			Description string `json:"description"`
		} `json:"responses"`
	} `json:"components"`
	ProblemTypes []struct {
		Status      int    `json:"status"`
		Type        string `json:"type"`
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"x-problem-types"`
}

type openAPIOp struct {
	OperationID string           `json:"operationId"`
	Summary     string           `json:"summary"`
	Tags        []string         `json:"tags"`
	Security    []map[string]any `json:"security"`
	Parameters  []struct {
		Name        string     `json:"name"`
		In          string     `json:"in"`
		Required    bool       `json:"required"`
		Description string     `json:"description"`
		Schema      jsonSchema `json:"schema"`
		Example     any        `json:"example"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]openAPIMedia `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Ref         string                  `json:"$ref"`
		Description string                  `json:"description"`
		Content     map[string]openAPIMedia `json:"content"`
	} `json:"responses"`
	Permissions []struct {
		Resource string `json:"resource"`
		Action   string `json:"action"`
		Note     string `json:"note"`
	} `json:"x-permissions"`
}

// openAPIMedia is the body of a request or response in one media type.
type openAPIMedia struct {
	Schema  jsonSchema `json:"schema"`
	Example any        `json:"example"`
}

// jsonSchema is the part of a JSON Schema the page shows.
type jsonSchema struct {
	Ref         string                `json:"$ref"`
	Type        any                   `json:"type"`
	Format      string                `json:"format"`
	Enum        []any                 `json:"enum"`
	Items       *jsonSchema           `json:"items"`
	Description string                `json:"description"`
	Properties  map[string]jsonSchema `json:"properties"`
	Required    []string              `json:"required"`
	Pattern     string                `json:"pattern"`
}

// refName is the name of the schema of the page that s is, or is an array of; "" for a schema
// written in place (a string, a CSV file), which has no section of its own to link to.
func (s jsonSchema) refName() string {
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		return name
	}
	if s.Items != nil {
		return s.Items.refName()
	}
	return ""
}

// label says in a few words what values a schema allows.
func (s jsonSchema) label() string {
	if s.Ref != "" {
		return strings.TrimPrefix(s.Ref, "#/components/schemas/")
	}
	var types []string
	switch t := s.Type.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, fmt.Sprint(x))
		}
	}
	out := strings.Join(types, " | ")
	if s.Format != "" {
		out += " (" + s.Format + ")"
	}
	if s.Items != nil {
		out += " of " + s.Items.label()
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			if v == nil {
				vals[i] = "null"
			} else {
				vals[i] = fmt.Sprint(v)
			}
		}
		out += ": " + strings.Join(vals, ", ")
	}
	return out
}

// newDocsPage reads the OpenAPI document into the page's view in each language.
func newDocsPage(doc []byte) *docsPage {
	var d openAPIDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		panic("httpapi: the OpenAPI document does not read back: " + err.Error())
	}
	page := &docsPage{views: map[string]docsView{}}
	asked := map[string]bool{}
	for _, lang := range i18n.Languages {
		tr := newDocsTranslator(lang)
		v := newDocsView(d, tr.t)
		v.Lang = lang
		for _, code := range i18n.Languages {
			v.Switch = append(v.Switch, docsLanguageLink{Code: code, Name: docsLanguageNames[code],
				Href: v.Base + "/api/docs?lang=" + code, Current: code == lang})
		}
		page.views[lang] = v
		for s := range tr.asked {
			asked[s] = true
		}
	}
	page.view = page.views[docsSourceLanguage]
	for s := range asked {
		page.texts = append(page.texts, s)
	}
	sort.Strings(page.texts)
	return page
}

// newDocsView reads the OpenAPI document into the page's view, its texts translated by t.
func newDocsView(d openAPIDoc, t func(string) string) docsView {
	v := docsView{Title: t(d.Info.Title), PageTitle: t(d.Info.Title + " reference"), Version: d.Info.Version,
		Roles: strs(crm.Roles)}
	if len(d.Servers) > 0 {
		v.Base = strings.TrimSuffix(d.Servers[0].URL, "/")
	}
	for _, p := range strings.Split(d.Info.Description, "\n\n") {
		v.Paragraphs = append(v.Paragraphs, t(p))
	}
	groups := map[string]*docsGroup{}
	for _, tag := range d.Tags {
		v.Groups = append(v.Groups, docsGroup{Tag: tag.Name, Name: t(tag.Name)})
	}
	for i := range v.Groups {
		groups[v.Groups[i].Tag] = &v.Groups[i]
	}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		methods := make([]string, 0, len(d.Paths[p]))
		for m := range d.Paths[p] {
			methods = append(methods, m)
		}
		sort.Slice(methods, func(i, j int) bool { return methodRank(methods[i]) < methodRank(methods[j]) })
		for _, m := range methods {
			op := d.Paths[p][m]
			g := groups[op.Tags[0]]
			g.Ops = append(g.Ops, docsOpOf(v.Base+p, m, op, d, t))
		}
	}
	for _, pt := range d.ProblemTypes {
		_, anchor, _ := strings.Cut(pt.Type, "#")
		v.Problems = append(v.Problems, docsProblem{Anchor: anchor, Type: pt.Type, Title: t(pt.Title),
			Description: t(pt.Description), Status: pt.Status})
	}
	names := make([]string, 0, len(d.Components.Schemas))
	for n := range d.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := d.Components.Schemas[n]
		ds := docsSchema{Name: n, Description: t(s.Description)}
		ds.Fields = schemaFields(s, t)
		if len(s.Enum) > 0 {
			ds.Values = s.label()
		}
		v.Schemas = append(v.Schemas, ds)
	}
	return v
}

func docsOpOf(path, method string, op openAPIOp, d openAPIDoc, t func(string) string) docsOp {
	o := docsOp{Anchor: "op-" + op.OperationID, Class: method, Method: strings.ToUpper(method), Path: path,
		Summary: t(op.Summary), Public: len(op.Security) == 0}
	for _, p := range op.Parameters {
		o.Params = append(o.Params, docsField{Name: p.Name, In: t(p.In), Type: p.Schema.label(),
			Description: t(p.Description), Required: p.Required})
	}
	if op.RequestBody != nil {
		for _, c := range op.RequestBody.Content {
			o.Body, o.BodyRef = c.Schema.label(), c.Schema.refName()
		}
	}
	codes := make([]string, 0, len(op.Responses))
	for code := range op.Responses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		r := op.Responses[code]
		dr := docsResponse{Status: code, Description: t(r.Description)}
		if r.Ref != "" {
			name := strings.TrimPrefix(r.Ref, "#/components/responses/")
			dr.Description = t(d.Components.Responses[name].Description)
			dr.Schema, dr.SchemaRef = "Problem", "Problem"
		}
		for _, c := range r.Content {
			dr.Schema, dr.SchemaRef = c.Schema.label(), c.Schema.refName()
		}
		o.Responses = append(o.Responses, dr)
	}
	for _, p := range op.Permissions {
		o.Perms = append(o.Perms, docsPerm{Resource: p.Resource, Action: p.Action, Note: t(p.Note)})
	}
	o.ExampleRequest, o.ExampleResponse = exampleExchange(path, method, op, codes)
	return o
}

// exampleExchange writes out the example call of an operation as HTTP: the request line with
// the example path parameters, the headers that matter and the example body; then the success
// status and its example body.
func exampleExchange(path, method string, op openAPIOp, codes []string) (request, response string) {
	var headers []string
	for _, p := range op.Parameters {
		if p.Example == nil {
			continue
		}
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", fmt.Sprint(p.Example))
		case "header":
			headers = append(headers, p.Name+": "+fmt.Sprint(p.Example))
		}
	}
	var req strings.Builder
	req.WriteString(strings.ToUpper(method) + " " + path + "\n")
	if len(op.Security) > 0 {
		req.WriteString("Authorization: Bearer <access token>\n")
	}
	for _, h := range headers {
		req.WriteString(h + "\n")
	}
	if op.RequestBody != nil {
		for media, c := range op.RequestBody.Content {
			req.WriteString("Content-Type: " + media + "\n\n" + exampleText(c.Example) + "\n")
		}
	}
	for _, code := range codes {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		status, _ := strconv.Atoi(code)
		response = code + " " + http.StatusText(status) + "\n"
		for media, c := range op.Responses[code].Content {
			response += "Content-Type: " + media + "\n\n" + exampleText(c.Example) + "\n"
		}
		break
	}
	return req.String(), response
}

// exampleText writes an example body: a string as it is, anything else as indented JSON, with
// the slashes of "://" escaped (\/, the same JSON string) so that a URL in an example (a
// webhook's) puts no link on the page.
func exampleText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("httpapi: an example of the OpenAPI document does not encode: " + err.Error())
	}
	return strings.ReplaceAll(string(b), "://", `:\/\/`)
}

// schemaFields lists the properties of an object schema, required ones first, their
// descriptions translated by t.
func schemaFields(s jsonSchema, t func(string) string) []docsField {
	var out []docsField
	for name, p := range s.Properties {
		out = append(out, docsField{Name: name, Type: p.label(), Description: t(p.Description),
			Required: containsStr(s.Required, name)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Required != out[j].Required {
			return out[i].Required
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func methodRank(m string) int {
	for i, x := range []string{"get", "post", "put", "patch", "delete"} {
		if x == m {
			return i
		}
	}
	return 9
}

// docsParams are the query parameters of /api/docs.
var docsParams = []queryParam{{name: "lang", kind: pText, enum: i18n.Languages,
	doc: "The language of the page: " + strings.Join(i18n.Languages, " or ") + ". Without it, the best match of " +
		"Accept-Language (fr-CA is French), else the server's default language."}}

// docsLanguage returns the language of a request for the page: ?lang=, else the best match of
// Accept-Language, else the server's default language.
func (a *API) docsLanguage(c *fiber.Ctx) (string, error) {
	q, err := parseQuery(c, docsParams)
	if err != nil {
		return "", err
	}
	if lang, ok := q.values["lang"].(string); ok {
		if !i18n.Supported(lang) {
			return "", &crm.Error{Code: crm.EMALFORMED, Message: "bad query parameters: lang",
				Fields: []crm.FieldError{{Field: "lang", Code: crm.FieldInvalidChoice,
					Message: "must be " + strings.Join(i18n.Languages, " or ")}}}
		}
		return lang, nil
	}
	return i18n.Negotiate(c.Get(fiber.HeaderAcceptLanguage), a.cfg.Language), nil
}

// serveDocs renders the reference page in the request's language, with the scopes each role has
// under the current policy.
func (a *API) serveDocs(c *fiber.Ctx) error {
	lang, err := a.docsLanguage(c)
	if err != nil {
		return err
	}
	authz := a.svc.Authorizer()
	base := a.docs.views[lang]
	v := base
	v.Groups = make([]docsGroup, len(base.Groups))
	for gi, g := range base.Groups {
		ops := make([]docsOp, len(g.Ops))
		for oi, op := range g.Ops {
			perms := make([]docsPerm, len(op.Perms))
			for pi, p := range op.Perms {
				p.Scopes = nil
				for _, role := range crm.Roles {
					sc := authz.Scopes(role, crm.Resource(p.Resource), crm.Action(p.Action))
					p.Scopes = append(p.Scopes, docsScopes{Role: string(role), Scopes: strings.Join(strs(sc), ", "),
						Denied: len(sc) == 0})
				}
				perms[pi] = p
			}
			op.Perms = perms
			ops[oi] = op
		}
		g.Ops = ops
		v.Groups[gi] = g
	}
	var buf bytes.Buffer
	if err := docsTemplates[lang].Execute(&buf, v); err != nil {
		return crm.Internal(err)
	}
	c.Set(fiber.HeaderContentSecurityPolicy, docsCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Send(buf.Bytes())
}
