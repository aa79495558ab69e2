package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// apiDescription introduces the API in the OpenAPI document and on /api/docs.
const apiDescription = "The REST API of EpicCRM: users, clients, contracts and events, under the " +
	"permissions of the policy the server runs with.\n\n" +
	"Authenticate with POST /api/v1/auth/login, then send the access token as " +
	"Authorization: Bearer <token>. Access tokens are short-lived: exchange the refresh token at " +
	"POST /api/v1/auth/refresh (each refresh token works once).\n\n" +
	"Lists return {\"items\": [...], \"next_cursor\": ...}: pass next_cursor as ?cursor= for the next " +
	"page (it is null on the last). A record outside what you may read does not exist for you (404).\n\n" +
	"Every record response carries an ETag; send it back in If-Match on PUT, PATCH, DELETE and sign " +
	"so that a concurrent change is refused (412) rather than overwritten.\n\n" +
	"Send an Idempotency-Key header with a POST to make it safe to retry: a retry with the same key " +
	"gets the first answer again instead of writing twice.\n\n" +
	"Errors are RFC 9457 problem documents (application/problem+json)."

// problemDescriptions explains each problem type, in the document and on /api/docs.
var problemDescriptions = map[int]string{
	400: "The request does not parse: JSON with a syntax error or data after the object, a malformed id in the path, or an unknown, repeated or malformed query parameter (each named in errors).",
	401: "No valid credentials: a missing, invalid, expired or revoked access token, a deactivated account, a refresh token that is invalid or was already used, or a wrong username or password. Comes with WWW-Authenticate: Bearer.",
	403: "You may read the record but not do this to it, or you may not set a field (named in errors).",
	404: "No such record, or one outside what you may read (the two look the same); or no such endpoint.",
	405: "The path exists, but not with this method.",
	408: "The request took too long to arrive.",
	409: "The change conflicts with the state of the data: a duplicate username or email, an event for an unsigned contract, a record that others still refer to; or a request with the same Idempotency-Key is still running (retry later).",
	412: "If-Match does not match the record's current ETag (someone changed it since you read it: read it again), or is not an ETag of this API.",
	413: "The request body is over the size limit.",
	415: "The request body is not JSON: send Content-Type: application/json.",
	422: "The body is well-formed but some values are not acceptable: unknown, read-only or missing fields, wrong types or invalid values. Each is listed in errors. Or the Idempotency-Key was already used for a different request.",
	429: "Too many failed logins for this account or from this address. Retry-After tells how many seconds to wait.",
	431: "The request headers are too large.",
	500: "An unexpected failure. It has been logged: quote the X-Request-ID response header to get help.",
	503: "The database cannot be reached, or the request ran out of time. Retry later.",
}

// tagDescriptions introduces each section of the document.
var tagDescriptions = map[string]string{
	"Authentication": "Log in, refresh and revoke tokens, read your own record, change your password and your preferences.",
	"Users":          "The accounts of the staff: management, sales and support.",
	"Clients":        "The customers of Epic Events, each followed by one sales contact.",
	"Contracts":      "What a client agreed to pay. A signed contract can have events.",
	"Events":         "What Epic Events organises for a signed contract, with a support contact.",
	"Audit":          "The log of every change: who changed what, when, from which value to which.",
	"Stream":         "Live changes to the records you may read (Server-Sent Events), and your private calendar feed.",
	"Operations":     "Health, metrics, the keys that verify tokens, and this documentation.",
	"API keys": "Keys for integrations, sent as Authorization: Bearer epk_...: each acts as a service account " +
		"with the key's role, under the same policy and audit as a person of that role.",
}

// serverURL returns the URL of the one server of the document: the prefix the routes are
// mounted under, relative to the host that served the document ("/" at the root).
func serverURL(basePath string) string {
	if u := strings.TrimRight(basePath, "/"); u != "" {
		return u
	}
	return "/"
}

// buildOpenAPI returns the OpenAPI 3.1 document of the operations. basePath is the prefix the
// routes are mounted under ("" at the root): the paths of the document are relative to it, and
// it is the document's server URL.
func buildOpenAPI(ops []operation, basePath string) obj {
	schemas := obj{}
	paths := obj{}
	var tags []string
	used := map[int]bool{}
	for _, op := range ops {
		path := openAPIPath(op.path)
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		item[strings.ToLower(op.method)] = operationDoc(op, schemas)
		if !containsStr(tags, op.tag) {
			tags = append(tags, op.tag)
		}
		for _, s := range op.errorStatuses() {
			used[s] = true
		}
	}
	for _, t := range []struct {
		name string
		typ  reflect.Type
	}{
		{"User", typeOf[crm.User]()}, {schemaName("Client"), typeOf[crm.Client]()},
		{"Contract", typeOf[crm.Contract]()}, {"Event", typeOf[crm.Event]()},
		{"AuditEntry", typeOf[crm.AuditEntry]()}, {"Problem", typeOf[problem]()},
		{"TokenPair", typeOf[TokenPair]()}, {"Status", typeOf[status]()},
		{"Readiness", typeOf[readiness]()}, {"RecordAccess", typeOf[recordAccess]()},
		{"ImportReport", typeOf[crm.ImportReport]()},
		{"CalendarFeed", typeOf[calendarFeed]()},
		{"APIKey", typeOf[crm.APIKey]()}, {"NewAPIKey", typeOf[crm.NewAPIKey]()},
		{"NotificationSettings", typeOf[notifications]()},
		{"Preferences", typeOf[crm.Preferences]()},
	} {
		schemas[t.name] = schemaOf(t.typ, false)
	}
	for name, typ := range webhookSchemas {
		schemas[name] = schemaOf(typ, false)
	}
	// The code of an import problem is the import's own or a field's: described, not enumerated.
	importErr := schemas["ImportReport"].(obj)["properties"].(obj)["errors"].(obj)["items"].(obj)
	importErr["properties"].(obj)["code"].(obj)["description"] = importCodeDoc
	// The feed's full URL depends on the host the request reached: the document's example
	// shows only its path, so the URL is not a required key.
	schemas["CalendarFeed"].(obj)["required"] = []string{"path", "created_at"}
	for _, name := range []string{"User", "Client", "Contract", "Event", "AuditEntry", "APIKey"} {
		schemas[name+"Page"] = obj{
			"type": "object", "additionalProperties": false, "required": []string{"items", "next_cursor"},
			"properties": obj{
				"items":       obj{"type": "array", "items": ref(schemaName(name))},
				"next_cursor": obj{"type": []string{"string", "null"}, "description": "Pass it as ?cursor= to get the next page; null on the last page."},
			},
		}
	}
	for _, e := range enumSchemas {
		s := enumSchema(e.typ)
		s["description"] = e.description
		schemas[e.name] = s
	}
	schemas["JWKS"] = obj{"type": "object", "required": []string{"keys"},
		"description": "A JSON Web Key Set (RFC 7517): the Ed25519 public keys that verify access tokens.",
		"properties":  obj{"keys": obj{"type": "array", "items": obj{"type": "object"}}}}
	schemas["OpenAPIDocument"] = obj{"type": "object", "description": "An OpenAPI 3.1 document."}

	sort.SliceStable(tags, func(i, j int) bool { return tagRank(tags[i]) < tagRank(tags[j]) })
	tagDocs := make([]obj, len(tags))
	for i, t := range tags {
		tagDocs[i] = obj{"name": t, "description": tagDescriptions[t]}
	}
	statuses := make([]int, 0, len(problemDescriptions))
	for s := range problemDescriptions {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	responses := obj{}
	var problemTypesDoc []obj
	for _, s := range statuses {
		// Statuses no operation answers with by itself (405, 408, 431: the server's answers to a
		// wrong method or a slow or oversized request) are described in x-problem-types only.
		if used[s] {
			responses[problemTypes[s]] = problemResponse(s)
		}
		problemTypesDoc = append(problemTypesDoc, obj{"status": s, "type": problemTypeURI(s),
			"title": http.StatusText(s), "description": problemDescriptions[s]})
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "EpicCRM API",
			"version":     "1",
			"description": apiDescription,
		},
		"servers": []obj{{"url": serverURL(basePath),
			"description": "The server that serves this document; the paths are relative to it."}},
		"tags":  tagDocs,
		"paths": paths,
		"components": obj{
			"schemas":   schemas,
			"responses": responses,
			"securitySchemes": obj{
				"bearer": obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT or API key",
					"description": "An access token (a JWT) from POST /api/v1/auth/login or /api/v1/auth/refresh, or an API key (epk_...) from POST /api/v1/api-keys, which acts as its service account."},
			},
			"headers": obj{
				"ETag": obj{"description": "The version of the record, to send back in If-Match.",
					"schema": obj{"type": "string", "examples": []string{`"3"`}}},
				"X-Request-ID": obj{"description": "The id of the request in the server's logs; yours if you sent a valid one.",
					"schema": obj{"type": "string"}},
				// One component, so that code generators make one type of it for every operation
				// (ogen, given the same inline enum in two operations with the same result
				// schema, wrote a shared response type with two enum types that do not convert).
				headerIdempotentReplay: obj{"description": "true when this is the stored answer of an earlier " +
					"request with the same Idempotency-Key, replayed.", "schema": obj{"type": "string", "enum": []string{"true"}}},
			},
		},
		"x-problem-types": problemTypesDoc,
	}
}

// schemaName returns the name of the component schema of a record as the route table names it.
// A client record is "ClientRecord": a schema named "Client" would clash with the client type
// that code generators (oapi-codegen, ogen) write for the API itself.
func schemaName(name string) string {
	if name == "Client" {
		return "ClientRecord"
	}
	return name
}

// operationDoc describes one operation, adding the schemas of its bodies to schemas.
func operationDoc(op operation, schemas obj) obj {
	doc := obj{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
	if op.public {
		doc["security"] = []obj{}
	} else {
		doc["security"] = []obj{{"bearer": []string{}}}
	}
	var params []obj
	if strings.Contains(op.path, ":id") {
		params = append(params, obj{"name": "id", "in": "path", "required": true,
			"description": "The id of the record.", "schema": obj{"type": "integer", "format": "int64", "minimum": 1},
			"example": exampleID(op.path)})
	}
	for _, part := range strings.Split(op.path, "/") {
		if name, ok := strings.CutPrefix(part, ":"); ok && name != "id" {
			params = append(params, obj{"name": name, "in": "path", "required": true,
				"description": op.pathDoc, "schema": obj{"type": "string"}, "example": op.pathExample})
		}
	}
	for _, p := range op.query {
		params = append(params, obj{"name": p.name, "in": "query", "required": false,
			"description": p.doc, "schema": paramSchema(p)})
	}
	if op.ifMatch {
		params = append(params, obj{"name": "If-Match", "in": "header", "required": false,
			"description": "The ETag of the record as you read it; the request fails with 412 if the record has changed since.",
			"schema":      obj{"type": "string"}, "example": `"3"`})
	}
	if op.idempotent() {
		params = append(params, obj{"name": headerIdempotencyKey, "in": "header", "required": false,
			"description": "A key of your choice, unique per request (such as a UUID), 1 to 255 printable ASCII " +
				"characters, bare or as a quoted string. A retry with the same key and the same request gets the " +
				"first answer again (with Idempotent-Replayed: true) and writes nothing; the same key with another " +
				"body or path fails with 422, and while the first request runs with 409. Keys are yours alone and " +
				"are remembered for 24 hours by default.",
			"schema":  obj{"type": "string", "minLength": 1, "maxLength": maxIdempotencyKey},
			"example": "5f8a3c1e-2b7d-4e0a-9c61-0d3f5b2a8e47"})
	}
	if len(params) > 0 {
		doc["parameters"] = params
	}
	if op.body != nil {
		name := bodySchemaName(op.body, op.mode)
		schemas[name] = bodySchemaOf(op.body, op.mode)
		doc["requestBody"] = obj{"required": true,
			"content": obj{fiber.MIMEApplicationJSON: obj{"schema": ref(name), "example": exampleBody(op.body, op.mode)}}}
	}
	if op.csvBody != "" {
		doc["requestBody"] = obj{"required": true, "description": op.csvBody,
			"content": obj{mimeCSV: obj{"schema": obj{"type": "string"}, "example": op.csvExample}}}
	}
	ok := obj{"description": http.StatusText(op.status)}
	headers := obj{"X-Request-ID": obj{"$ref": "#/components/headers/X-Request-ID"}}
	if op.etag {
		headers["ETag"] = obj{"$ref": "#/components/headers/ETag"}
	}
	if op.idempotent() {
		headers[headerIdempotentReplay] = obj{"$ref": "#/components/headers/" + headerIdempotentReplay}
	}
	if op.status == fiber.StatusCreated {
		headers["Location"] = obj{"description": "The URL of the new record.", "schema": obj{"type": "string"}}
	}
	ok["headers"] = headers
	switch {
	case op.result != "":
		ex, found := resultExamples[op.result]
		if !found {
			panic("httpapi: no example response body for " + op.result)
		}
		ok["content"] = obj{fiber.MIMEApplicationJSON: obj{"schema": ref(schemaName(op.result)), "example": ex}}
		if op.csv {
			ok["content"].(obj)[mimeCSV] = obj{"schema": obj{"type": "string", "description": csvExportDoc},
				"example": mediaExamples[mimeCSV]}
			headers["Content-Disposition"] = obj{"description": "With Accept: text/csv, the file name: attachment; filename=\"clients-2026-12-01.csv\".",
				"schema": obj{"type": "string"}}
		}
	case op.media != "":
		ok["content"] = obj{op.media: obj{"schema": obj{"type": "string"}, "example": mediaExamples[op.media]}}
	}
	responses := obj{itoa(int64(op.status)): ok}
	for _, s := range op.errorStatuses() {
		responses[itoa(int64(s))] = obj{"$ref": "#/components/responses/" + problemTypes[s]}
	}
	doc["responses"] = responses
	if len(op.perms) > 0 {
		perms := make([]obj, len(op.perms))
		for i, p := range op.perms {
			perms[i] = obj{"resource": string(p.res), "action": string(p.act)}
			if p.note != "" {
				perms[i]["note"] = p.note
			}
		}
		doc["x-permissions"] = perms
	}
	return doc
}

// errorStatuses lists the error statuses an operation may answer with.
func (op operation) errorStatuses() []int {
	// Every route refuses a query parameter it does not take (400), and may fail (500).
	set := map[int]bool{400: true, 500: true}
	add := func(ss ...int) {
		for _, s := range ss {
			set[s] = true
		}
	}
	if !op.public {
		add(401, 503)
	}
	if op.body != nil {
		add(400, 413, 415, 422)
	}
	if strings.Contains(op.path, ":id") {
		add(400, 404)
	}
	if op.ifMatch {
		add(412)
	}
	if op.idempotent() {
		add(400, 409, 422)
	}
	add(op.errors...)
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// problemResponse describes the error response of one status.
func problemResponse(s int) obj {
	r := obj{"description": problemDescriptions[s],
		"content": obj{problemContentType: obj{"schema": ref("Problem"), "example": problemExample(s)}}}
	switch s {
	case 401:
		r["headers"] = obj{"WWW-Authenticate": obj{"schema": obj{"type": "string"}, "description": "Bearer"}}
	case 429:
		r["headers"] = obj{"Retry-After": obj{"schema": obj{"type": "integer"}, "description": "Seconds to wait before trying again."}}
	}
	return r
}

// openAPIPath turns a Fiber path (/clients/:id) into an OpenAPI one (/clients/{id}).
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// tagOrder is the order of the sections of the document, from logging in to operating.
var tagOrder = []string{"Authentication", "Users", "Clients", "Contracts", "Events", "Audit", "Stream", "API keys", "Operations"}

func tagRank(tag string) int {
	for i, t := range tagOrder {
		if t == tag {
			return i
		}
	}
	return len(tagOrder)
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// bodySchemaName names the schema of a request body.
func bodySchemaName(s *bodySpec, mode writeMode) string {
	if s.entity == nil {
		return s.name + "Request"
	}
	return s.name + [...]string{modeCreate: "Create", modePut: "Replace", modePatch: "Patch"}[mode]
}

// bodySchemaOf describes the request body of spec in mode: exactly the keys the decoder
// accepts, and the ones it (or, on create, the domain) requires.
func bodySchemaOf(spec *bodySpec, mode writeMode) obj {
	props := obj{}
	for _, k := range spec.writable(mode) {
		s := schemaOf(spec.fields[k].value, true)
		if d := spec.describe[k]; d != "" {
			if base, ok := s["description"].(string); ok {
				d += " " + base
			}
			s["description"] = d
		}
		props[k] = s
	}
	required := spec.mandatory(mode)
	if mode == modeCreate && spec.entity != nil {
		required = requiredOnCreate[spec]
	}
	if required == nil {
		required = []string{}
	}
	return obj{"type": "object", "additionalProperties": false, "properties": props, "required": required}
}

// schemaOf describes a Go type as a JSON Schema: what encoding/json writes for it (input false)
// or what the decoder accepts (input true, where amounts may also be numbers).
func schemaOf(t reflect.Type, input bool) obj {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem(), input)
		if _, named := s["$ref"]; named {
			s = enumSchema(t.Elem())
		}
		switch typ := s["type"].(type) {
		case string:
			s["type"] = []string{typ, "null"}
		case []string:
			s["type"] = append(typ, "null")
		}
		if e, ok := s["enum"].([]string); ok {
			s["enum"] = append(append([]any{}, strsAny(e)...), nil)
		}
		return s
	}
	switch t {
	case timeType:
		return obj{"type": "string", "format": "date-time"}
	case dateType:
		return obj{"type": "string", "format": "date"}
	case moneyType:
		if input {
			// The decoder also takes a JSON number (SPEC: "numbers are accepted on input"), but
			// the schema says string: the generators cannot write a type for "string or number".
			return obj{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]{1,2})?$`, "examples": []string{"1500.00"},
				"description": `An exact amount with at most two decimals, as a string such as "1500.00". ` +
					"A JSON number (1500 or 1500.5) is accepted too and read digit by digit, never as a float."}
		}
		return obj{"type": "string", "pattern": `^-?[0-9]+\.[0-9]{2}$`, "examples": []string{"1500.00"}}
	}
	for _, e := range enumSchemas {
		if e.typ == t {
			return ref(e.name)
		}
	}
	if enumValues(t) != nil {
		return enumSchema(t)
	}
	switch t.Kind() {
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Array:
		return obj{"type": "array", "items": schemaOf(t.Elem(), input), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Slice:
		return obj{"type": "array", "items": schemaOf(t.Elem(), input)}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": schemaOf(t.Elem(), input)}
	case reflect.Struct:
		props := obj{}
		keys := structKeys(t)
		for i := 0; i < t.NumField(); i++ {
			if k := jsonKey(t.Field(i)); k != "" && t.Field(i).IsExported() {
				props[k] = schemaOf(t.Field(i).Type, input)
			}
		}
		return obj{"type": "object", "additionalProperties": false, "properties": props, "required": keys}
	case reflect.Interface:
		return obj{}
	}
	panic("httpapi: no JSON Schema for " + t.String())
}

// enumSchemas are the domain's enumerations, each a component schema of its own so that a
// generated client has one type for it (ClientStatus), not one per schema that holds it
// (ClientRecordStatus, ClientCreateStatus...).
var enumSchemas = []struct {
	name, description string
	typ               reflect.Type
}{
	{"Role", "What a user does, which decides what they may do (see each operation's permissions).", typeOf[crm.Role]()},
	{"ClientStatus", "A potential client has no signed contract yet; it becomes existing when one is signed.", typeOf[crm.ClientStatus]()},
	{"ContractStatus", "An open contract can be changed and signed; a signed one cannot be reopened.", typeOf[crm.ContractStatus]()},
	{"EventStatus", "Whether the event is still to be organised (open) or over (closed).", typeOf[crm.EventStatus]()},
	{"AuditAction", "What was done to the record.", typeOf[crm.Action]()},
	{"AuditResource", "The kind of record that changed.", typeOf[crm.Resource]()},
	{"FieldErrorCode", "The rule a field broke, as a stable machine name: translate it for your users " +
		"(the message next to it stays English). New codes may be added; an existing one never changes.", typeOf[crm.FieldCode]()},
	{"UserKind", "A person, or the service account of an API key (which never logs in with a password).", typeOf[crm.UserKind]()},
}

// enumSchema describes an enumeration type in place.
func enumSchema(t reflect.Type) obj { return obj{"type": "string", "enum": enumValues(t)} }

func strsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// paramSchema describes a query parameter.
func paramSchema(p queryParam) obj {
	switch p.kind {
	case pID:
		return obj{"type": "integer", "format": "int64", "minimum": 1}
	case pDay:
		return obj{"type": "string", "format": "date"}
	case pTime:
		return obj{"type": "string", "format": "date-time"}
	case pMoney:
		return obj{"type": "string", "pattern": `^[0-9]+(\.[0-9]{1,2})?$`}
	case pBool:
		return obj{"type": "boolean"}
	case pLimit:
		return obj{"type": "integer", "minimum": 1, "maximum": crm.MaxLimit, "default": crm.DefaultLimit}
	}
	s := obj{"type": "string"}
	if p.kind == pText {
		s["maxLength"] = maxTextParam
	}
	if len(p.enum) > 0 {
		for _, e := range enumSchemas {
			if slices.Equal(enumValues(e.typ), p.enum) {
				return ref(e.name)
			}
		}
		s["enum"] = p.enum
	}
	return s
}
