package httpapi

import (
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/sse"
	"github.com/gofiber/fiber/v2"
)

// perm is a permission an operation takes, shown on /api/docs with the scopes the current
// policy gives each role.
type perm struct {
	res  crm.Resource
	act  crm.Action
	note string
}

// operation is one route of the API: what Register mounts and what the OpenAPI document
// describes, from the same table.
type operation struct {
	method  string
	path    string // Fiber syntax: /api/v1/clients/:id
	id      string // operationId
	tag     string
	summary string
	public  bool
	pathDoc string // the description of a path parameter other than :id
	// pathExample is an example value of that parameter.
	pathExample string
	perms       []perm
	query       []queryParam
	body        *bodySpec
	mode        writeMode
	status      int    // the success status
	result      string // the component schema of the success body; "" for none
	media       string // the media type of the success body (default application/json)
	csv         bool   // the success body is also offered as text/csv (Accept: text/csv)
	csvBody     string // the request body is a CSV file, described so
	csvExample  string // an example of that file
	etag        bool
	ifMatch     bool
	errors      []int // error statuses beyond those implied by the fields above
	// noIdempotency, on a POST, says why it ignores the Idempotency-Key header; every other
	// authenticated POST honours it (see idempotency.go).
	noIdempotency string
	// writesRecord says that the answer of a POST is the one record it writes (its JSON, ETag
	// and Location): the write's own transaction then stores the answer of its Idempotency-Key.
	// Any other POST has its answer stored after its handler (see idempotency.go).
	writesRecord bool
	handler      fiber.Handler
}

const v1 = "/api/v1"

// Why an authenticated POST that ignores Idempotency-Key does (login and refresh are public, so
// have no caller to scope a key to; their answers are fresh tokens, which must not be stored).
const noIdemPassword = "The change ends every token of yours, so a retry cannot authenticate to be replayed; log in and check instead."

// noIdemSecret is why a POST whose answer shows a new secret once ignores Idempotency-Key: a
// stored answer would keep the secret in clear in the database.
const noIdemSecret = "The answer shows a new secret once, which is stored nowhere in clear, so it is not kept for a replay; " +
	"a retry creates another one (list them and delete the one you do not use)."

// operations returns the route table of the API.
func (a *API) operations() []operation {
	ops := []operation{
		{method: "POST", path: v1 + "/auth/login", id: "login", tag: "Authentication", public: true,
			summary: "Log in with a username and password; returns an access and a refresh token.",
			body:    loginBody, status: 200, result: "TokenPair", errors: []int{401, 429}, handler: a.login},
		{method: "POST", path: v1 + "/auth/refresh", id: "refresh", tag: "Authentication", public: true,
			summary: "Exchange a refresh token (once) for a new pair; reusing one revokes its whole family.",
			body:    refreshBody, status: 200, result: "TokenPair", errors: []int{401}, handler: a.refresh},
		{method: "POST", path: v1 + "/auth/logout", id: "logout", tag: "Authentication",
			summary: "Revoke a refresh token and its family.",
			body:    refreshBody, status: 204, handler: a.logout},
		{method: "GET", path: v1 + "/me", id: "getMe", tag: "Authentication",
			summary: "Your own user record.", status: 200, result: "User", etag: true, handler: a.me},
		{method: "POST", path: v1 + "/me/password", id: "changePassword", tag: "Authentication",
			summary: "Change your own password; every token of yours stops working, log in again.",
			body:    passwordBody, status: 204, handler: a.changePassword, noIdempotency: noIdemPassword},
		{method: "GET", path: v1 + "/stream", id: "streamChanges", tag: "Stream", query: streamParams,
			summary: "Server-Sent Events of the changes to the records you may read, as you may read them; " +
				"a record leaving your read scope comes as a removed event. Resume with Last-Event-ID.",
			status: 200, media: sse.MediaType, errors: []int{429, 503}, handler: a.stream},
		{method: "POST", path: v1 + "/me/calendar", id: "issueCalendar", tag: "Stream",
			summary: "Create or rotate your private iCalendar feed of the events you may read; its address, " +
				"with its secret, is shown this once (an earlier address stops working).",
			status: 200, result: "CalendarFeed", errors: []int{403}, handler: a.issueCalendar,
			noIdempotency: "The answer holds the feed's secret, which is stored nowhere in clear; a retry rotates the feed again."},
		{method: "DELETE", path: v1 + "/me/calendar", id: "revokeCalendar", tag: "Stream",
			summary: "Revoke your calendar feed: its address stops working.",
			status:  204, errors: []int{404}, handler: a.revokeCalendar},
		{method: "GET", path: v1 + "/calendar/:feed", id: "getCalendar", tag: "Stream", public: true,
			pathDoc: "The feed's secret followed by .ics, as POST /api/v1/me/calendar returned it.", pathExample: exampleCalendarFeed,
			summary: "A private iCalendar feed (RFC 5545): the events its owner may read now, and those deleted " +
				"recently as cancelled. The secret in the address is the credential.",
			status: 200, media: calendarMedia, errors: []int{404, 503}, handler: a.serveCalendar},
		{method: "GET", path: v1 + "/audit", id: "listAudit", tag: "Audit",
			summary: "Who changed what and when.", perms: []perm{{res: crm.ResourceAudit, act: crm.ActionRead}},
			query: auditListParams, status: 200, result: "AuditEntryPage", errors: []int{403}, handler: a.listAudit},
		{method: "POST", path: v1 + "/contracts/:id/sign", id: "signContract", tag: "Contracts",
			summary: "Sign an open contract; its client becomes an existing client.",
			perms:   []perm{{res: crm.ResourceContract, act: crm.ActionSign}},
			status:  200, result: "Contract", etag: true, ifMatch: true, errors: []int{409}, handler: a.signContract,
			writesRecord: true},
		{method: "GET", path: "/.well-known/jwks.json", id: "getJWKS", tag: "Operations", public: true,
			summary: "The public keys that verify access tokens.", status: 200, result: "JWKS", handler: a.jwks},
		{method: "GET", path: "/api/openapi.json", id: "getOpenAPI", tag: "Operations", public: true,
			summary: "This document.", status: 200, result: "OpenAPIDocument", handler: a.serveOpenAPI},
		{method: "GET", path: "/api/docs", id: "getDocs", tag: "Operations", public: true, query: docsParams,
			summary: "The human-readable reference of the API, with who may call what under the current policy, in English or French.",
			status:  200, media: fiber.MIMETextHTMLCharsetUTF8, handler: a.serveDocs},
		{method: "GET", path: "/healthz", id: "healthz", tag: "Operations", public: true,
			summary: "The process is alive.", status: 200, result: "Status", handler: a.healthz},
		{method: "GET", path: "/readyz", id: "readyz", tag: "Operations", public: true,
			summary: "The database can be reached.", status: 200, result: "Readiness", errors: []int{503}, handler: a.readyz},
		{method: "GET", path: "/metrics", id: "metrics", tag: "Operations", public: true,
			summary: "Prometheus metrics: requests by route and status, latencies, the database pool.",
			status:  200, media: fiber.MIMETextPlainCharsetUTF8, handler: a.metrics.serve},
	}
	ops = append(ops, operation{method: "POST", path: v1 + "/clients/import", id: "importClients", tag: "Clients",
		summary: "Create or update clients from a CSV file, all rows or none; dry_run=true only reports what would happen.",
		perms: []perm{{res: crm.ResourceClient, act: crm.ActionCreate}, {res: crm.ResourceClient, act: crm.ActionUpdate},
			{res: crm.ResourceClient, act: crm.ActionAssign, note: "to set sales_contact_id to someone else"}},
		query: importParams, csvBody: csvBodyDoc, csvExample: exampleImportCSV, status: 200, result: "ImportReport",
		errors: []int{403, 413, 415, 422}, handler: a.importFile(a.svc.ImportClients)})
	ops = append(ops, operation{method: "POST", path: v1 + "/users/import", id: "importUsers", tag: "Users",
		summary: "Create or update users from a CSV file, all rows or none; dry_run=true only reports what would happen.",
		perms: []perm{{res: crm.ResourceUser, act: crm.ActionCreate, note: "required for the whole import"},
			{res: crm.ResourceUser, act: crm.ActionUpdate, note: "for each row that changes a user"}},
		query: importParams, csvBody: userCSVBodyDoc, csvExample: exampleUserImportCSV, status: 200, result: "ImportReport",
		errors: []int{403, 413, 415, 422}, handler: a.importFile(a.svc.ImportUsers),
		noIdempotency: "The file holds passwords, of which a request's fingerprint would keep a fast hash for a day; " +
			"a retry is safe without it: after an import that went through, the retry finds its new users there and is refused " +
			"(an import sets the password of new users only), writing nothing."})
	ops = append(ops, a.apiKeyOps()...)
	ops = append(ops, a.notificationOps()...)
	ops = append(ops, a.preferenceOps()...)
	ops = append(ops, recordOps(recordRoutes{
		plural: "users", tag: "Users", res: crm.ResourceUser, spec: userBody, query: userListParams,
		list: a.listUsers, create: a.createUser, get: a.getUser, update: a.updateUser, del: a.deleteUser,
		access: a.recordAccess(crm.ResourceUser),
	})...)
	ops = append(ops, recordOps(recordRoutes{
		plural: "clients", tag: "Clients", res: crm.ResourceClient, spec: clientBody, query: clientListParams,
		assign: "sales_contact_id",
		list:   a.listClients, create: a.createClient, get: a.getClient, update: a.updateClient, del: a.deleteClient,
		access: a.recordAccess(crm.ResourceClient),
	})...)
	ops = append(ops, recordOps(recordRoutes{
		plural: "contracts", tag: "Contracts", res: crm.ResourceContract, spec: contractBody, query: contractListParams,
		assign: "sales_contact_id", sign: true,
		list: a.listContracts, create: a.createContract, get: a.getContract, update: a.updateContract, del: a.deleteContract,
		access: a.recordAccess(crm.ResourceContract),
	})...)
	ops = append(ops, recordOps(recordRoutes{
		plural: "events", tag: "Events", res: crm.ResourceEvent, spec: eventBody, query: eventListParams,
		assign: "support_contact_id",
		list:   a.listEvents, create: a.createEvent, get: a.getEvent, update: a.updateEvent, del: a.deleteEvent,
		access: a.recordAccess(crm.ResourceEvent),
	})...)
	ops = append(ops, a.webhookOps()...)
	return ops
}

// recordRoutes are the handlers and descriptions of one kind of record.
type recordRoutes struct {
	plural, tag string
	res         crm.Resource
	spec        *bodySpec
	query       []queryParam
	assign      string // the contact field that takes the assign permission, if any
	sign        bool   // whether setting the status to signed takes the sign permission
	list        fiber.Handler
	create      fiber.Handler
	get         fiber.Handler
	update      func(writeMode) fiber.Handler
	del         fiber.Handler
	access      fiber.Handler
}

// withArticle puts "a" or "an" before a lower-case noun, by its first letter: "an event", "a
// client". The nouns are the record kinds; u is not among the vowels, since "user" takes "a".
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeio", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// recordOps returns the seven operations of a kind of record: list, create, get, put, patch,
// delete, and who may access one.
func recordOps(r recordRoutes) []operation {
	name := r.spec.name
	one := strings.ToLower(name)
	coll, item := v1+"/"+r.plural, v1+"/"+r.plural+"/:id"
	read := []perm{{res: r.res, act: crm.ActionRead}}
	create := []perm{{res: r.res, act: crm.ActionCreate}}
	update := []perm{{res: r.res, act: crm.ActionUpdate}}
	if r.assign != "" {
		p := perm{res: r.res, act: crm.ActionAssign, note: "to set " + r.assign + " to someone else"}
		create = append(create, p)
		update = append(update, p)
	}
	if r.sign {
		update = append(update, perm{res: r.res, act: crm.ActionSign, note: "to set status to signed"})
	}
	return []operation{
		{method: "GET", path: coll, id: "list" + name + "s", tag: r.tag, perms: read, query: r.query,
			summary: "The " + r.plural + " you may read, one page at a time; or all of them as a CSV file (Accept: text/csv).",
			status:  200, result: name + "Page", csv: true, handler: r.list},
		{method: "POST", path: coll, id: "create" + name, tag: r.tag, perms: create, body: r.spec, mode: modeCreate,
			summary: "Create " + withArticle(one) + ".",
			status:  201, result: name, etag: true, errors: []int{403, 409}, handler: r.create, writesRecord: true},
		{method: "GET", path: item, id: "get" + name, tag: r.tag, perms: read,
			summary: "One " + one + " you may read.",
			status:  200, result: name, etag: true, handler: r.get},
		{method: "PUT", path: item, id: "replace" + name, tag: r.tag, perms: update, body: r.spec, mode: modePut,
			summary: "Replace every writable field.",
			status:  200, result: name, etag: true, ifMatch: true, errors: []int{403, 409}, handler: r.update(modePut)},
		{method: "PATCH", path: item, id: "update" + name, tag: r.tag, perms: update, body: r.spec, mode: modePatch,
			summary: "Change the fields given.",
			status:  200, result: name, etag: true, ifMatch: true, errors: []int{403, 409}, handler: r.update(modePatch)},
		{method: "DELETE", path: item, id: "delete" + name, tag: r.tag, perms: []perm{{res: r.res, act: crm.ActionDelete}},
			summary: "Delete " + withArticle(one) + "; refused (409) while other records refer to it.",
			status:  204, ifMatch: true, errors: []int{403, 409}, handler: r.del},
		{method: "GET", path: item + "/access", id: "get" + name + "Access", tag: r.tag,
			perms:   []perm{{res: r.res, act: crm.ActionRead}, {res: crm.ResourceUser, act: crm.ActionRead, note: "scope any (management): the answer names every user"}},
			summary: "Who can see this " + one + ": each active user, whether they may read and update it, and why.",
			status:  200, result: "RecordAccess", errors: []int{403}, handler: r.access},
	}
}
