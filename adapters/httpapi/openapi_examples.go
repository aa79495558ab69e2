package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/sse"
	"github.com/gofiber/fiber/v2"
)

// The examples of the OpenAPI document: one story (Sally, a sales user, follows Carla of Acme
// Corp, whose contract 7 pays for the spring gala, event 12, that Pat of support runs) told in
// records of the crm types, so that each example is encoded exactly as the API encodes a
// response.

// exampleCalendarFeed is the last segment of an example calendar feed's address.
const exampleCalendarFeed = "cal_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo.ics"

// exampleAt is the moment the example records were last changed.
var exampleAt = time.Date(2027, 3, 14, 9, 30, 0, 0, time.UTC)

// exampleIDs are the ids of the example records, by the plural of their path.
var exampleIDs = map[string]int64{"users": 2, "clients": 42, "contracts": 7, "events": 12, "api-keys": 3}

func examplePtr[T any](v T) *T { return &v }

var (
	exampleUser = crm.User{ID: 2, Username: "sally", Email: "sally.seller@epic.example", FirstName: "Sally",
		LastName: "Seller", Role: crm.RoleSales, IsActive: true, DateJoined: exampleAt.AddDate(0, -6, 0),
		LastLogin: examplePtr(exampleAt), Kind: crm.KindPerson}
	exampleAPIKey = crm.APIKey{ID: 3, Name: "billing export", Prefix: "epk_k7q2m4xa", UserID: 9, Role: crm.RoleSales,
		CreatedAt: exampleAt.AddDate(0, -1, 0), CreatedBy: 1, ExpiresAt: examplePtr(exampleAt.AddDate(1, 0, 0)),
		LastUsedAt: examplePtr(exampleAt)}
	exampleClient = crm.Client{ID: 42, FirstName: "Carla", LastName: "Client", Email: "carla.client@acme.example",
		Phone: "+33 1 23 45 67 89", Mobile: "+33 6 12 34 56 78", Company: "Acme Corp", Status: crm.ClientExisting,
		SalesContactID: examplePtr(int64(2)), DateCreated: exampleAt.AddDate(0, -2, 0), DateUpdated: exampleAt}
	exampleContract = crm.Contract{ID: 7, ClientID: 42, SalesContactID: examplePtr(int64(2)), Amount: 1500_00,
		AmountDue: 500_00, PaymentDue: &crm.Date{Year: 2027, Month: time.April, Day: 30}, Status: crm.ContractSigned,
		SignedAt: examplePtr(exampleAt.AddDate(0, 0, -3)), DateCreated: exampleAt.AddDate(0, 0, -10), DateUpdated: exampleAt}
	exampleEvent = crm.Event{ID: 12, Name: "Acme spring gala", ContractID: 7, ClientID: 42,
		SalesContactID: examplePtr(int64(2)), SupportContactID: examplePtr(int64(4)),
		EventDate: time.Date(2027, 6, 1, 18, 0, 0, 0, time.UTC), EndDate: examplePtr(time.Date(2027, 6, 1, 23, 30, 0, 0, time.UTC)),
		Location: "53 rue du Château, Lyon", Attendees: 150, Notes: "Vegetarian menu for 20 guests.",
		Status: crm.EventOpen, DateCreated: exampleAt.AddDate(0, 0, -2), DateUpdated: exampleAt}
	exampleAudit = crm.AuditEntry{ID: 311, At: exampleAt, ActorID: 2, Action: crm.ActionUpdate,
		Resource: crm.ResourceContract, ResourceID: 7, Changes: map[string][2]any{"amount_due": {"1500.00", "500.00"}}}
)

// examplePage is a list response of one item, with a cursor to the next page.
func examplePage(item any) obj {
	return obj{"items": []any{item}, "next_cursor": "eyJzIjoiLWlkIiwiaWQiOjQyfQ"}
}

// resultExamples are the example success bodies, by the route table's name of their schema.
var resultExamples = map[string]any{
	"User": exampleUser, "Client": exampleClient, "Contract": exampleContract, "Event": exampleEvent,
	"UserPage": examplePage(exampleUser), "ClientPage": examplePage(exampleClient),
	"ContractPage": examplePage(exampleContract), "EventPage": examplePage(exampleEvent),
	"AuditEntryPage":       examplePage(exampleAudit),
	"NotificationSettings": notifications{EventWithoutSupport: true, ContractUnpaid: true, Assigned: true},
	"Preferences":          crm.Preferences{Language: "fr", TimeZone: "America/Montreal", Theme: crm.ThemeDark},
	"APIKeyPage":           obj{"items": []any{exampleAPIKey}, "next_cursor": nil},
	"NewAPIKey":            crm.NewAPIKey{Key: "epk_k7q2m4xa" + "3vdr6lqnw5hz2yfb7cj4mtoe5gku3xpi2aszn6rd7y", APIKey: examplePtr(exampleAPIKey)},
	"TokenPair": TokenPair{AccessToken: "eyJhbGciOiJFZERTQSIsImtpZCI6IjFmM2MiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiIyIn0.c2lnbmF0dXJl",
		RefreshToken: "rt_9Jc2bX4kq7Lw0sPzV1mN5eRt8Yu3Hg6D", TokenType: "Bearer", ExpiresIn: 900},
	"ImportReport": exampleImport,
	"Status":       status{Status: "ok"},
	"CalendarFeed": calendarFeed{Path: "/api/v1/calendar/" + exampleCalendarFeed, CreatedAt: exampleAt},
	"Readiness":    readiness{Status: "ok", Policy: crm.Ptr("3f9a1c0b7d2e")},
	"RecordAccess": recordAccess{Resource: crm.ResourceClient, ID: 42, Users: []crm.UserAccess{
		{UserID: 1, Username: "maya", Role: crm.RoleManagement, Read: true, Update: true,
			ReadReason: "any: every client", UpdateReason: "any: every client"},
		{UserID: 2, Username: "sally", Role: crm.RoleSales, Read: true, Update: true,
			ReadReason: "own: the client's sales contact is sally", UpdateReason: "own: the client's sales contact is sally"},
		{UserID: 3, Username: "sam", Role: crm.RoleSales,
			ReadReason:   "sam may not read client 42, so for them it does not exist (not found): own: the client's sales contact is sally, not sam",
			UpdateReason: "sam may not read client 42, so for them it does not exist (not found): own: the client's sales contact is sally, not sam"},
		{UserID: 4, Username: "pat", Role: crm.RoleSupport, Read: true,
			ReadReason:   "assigned: pat is the support contact of an event of this client",
			UpdateReason: "pat may read client 42 but not update it (forbidden): the support role has no scope to update client records"},
	}},
	"JWKS": obj{"keys": []obj{{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "1f3c",
		"x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}},
	"OpenAPIDocument": obj{"openapi": "3.1.0", "info": obj{"title": "EpicCRM API", "version": "1"},
		"paths": obj{"/healthz": obj{"get": obj{"operationId": "healthz"}}}},
}

// mediaExamples are the example success bodies that are not JSON, by media type.
var mediaExamples = map[string]string{
	mimeCSV: "id,first_name,last_name,email,phone,mobile,company,status,sales_contact_id,date_created,date_updated\r\n" +
		"42,Ann,Lee,ann@acme.example,+33 1 23 45 67 89,,'=Acme Corp,existing,2,2026-11-02T09:30:00Z,2026-11-20T16:05:12Z\r\n",
	calendarMedia: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Epic Events//EpicCRM//EN\r\nMETHOD:PUBLISH\r\n" +
		"BEGIN:VEVENT\r\nUID:event-12@crm.epicevents.example\r\nSEQUENCE:3\r\nDTSTART:20270604T130000Z\r\n" +
		"DTEND:20270604T230000Z\r\nSUMMARY:Spring gala\r\nLOCATION:53 Rue du Château\\, 41120 Candé-sur-Beuvron\r\n" +
		"STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	sse.MediaType: "retry: 3000\n\nid: 42\nevent: client.updated\ndata: {\"id\":7,\"first_name\":\"Kevin\",...}\n\n" +
		"id: 43\nevent: removed\ndata: {\"resource\":\"event\",\"id\":12}\n\n: keep-alive\n\n",
	fiber.MIMETextHTMLCharsetUTF8: "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>EpicCRM API reference</title>\n...",
	fiber.MIMETextPlainCharsetUTF8: "# HELP epiccrm_http_requests_total HTTP requests served by the API, by method, route template and status.\n" +
		"# TYPE epiccrm_http_requests_total counter\n" +
		"epiccrm_http_requests_total{method=\"GET\",route=\"/api/v1/clients\",status=\"200\"} 1027\n",
}

// bodyExample is the example request body of a bodySpec: the values of its fields, and which
// of them a PATCH example changes.
type bodyExample struct {
	values obj
	patch  []string
}

// bodyExamples are the example request bodies. Each is valid as the API's own tests send it
// (openapi_examples_test.go), with the ids of the test's records in place of the example ids.
var bodyExamples = map[*bodySpec]bodyExample{
	userBody: {values: obj{"username": "nina", "email": "nina.north@epic.example", "first_name": "Nina",
		"last_name": "North", "role": "support", "is_active": true, "password": "Lantern-Mosaic-2027"},
		patch: []string{"role"}},
	clientBody: {values: obj{"first_name": "Carla", "last_name": "Client", "email": "carla.client@acme.example",
		"phone": "+33 1 23 45 67 89", "mobile": "+33 6 12 34 56 78", "company": "Acme Corp",
		"status": "potential", "sales_contact_id": 2},
		patch: []string{"phone"}},
	contractBody: {values: obj{"client_id": 42, "sales_contact_id": 2, "amount": "1500.00", "amount_due": "500.00",
		"payment_due": "2027-04-30", "status": "open"},
		patch: []string{"amount_due"}},
	eventBody: {values: obj{"contract_id": 7, "name": "Acme spring gala", "support_contact_id": 4,
		"event_date": "2027-06-01T18:00:00Z", "end_date": "2027-06-01T23:30:00Z",
		"location": "53 rue du Château, Lyon", "attendees": 150, "notes": "Vegetarian menu for 20 guests.", "status": "open"},
		patch: []string{"attendees", "notes"}},
	loginBody:         {values: obj{"username": "sally", "password": "Tangerine-Orbit-42"}},
	notificationsBody: {values: obj{"event_without_support": true, "contract_unpaid": true, "event_tomorrow": false, "assigned": true}},
	preferencesBody:   {values: obj{"language": "fr", "time_zone": "America/Montreal", "theme": "dark"}},
	apiKeyBody:        {values: obj{"name": "billing export", "role": "sales", "expires_at": "2027-12-31T00:00:00Z"}},
	refreshBody:       {values: obj{"refresh_token": "rt_9Jc2bX4kq7Lw0sPzV1mN5eRt8Yu3Hg6D"}},
	passwordBody:      {values: obj{"current_password": "Tangerine-Orbit-42", "new_password": "Copper-Lighthouse-77"}},
}

// exampleBody returns the example request body of spec in mode: the fields a create usually
// sends, every field a PUT needs, the few a PATCH changes, or the whole of a small body.
func exampleBody(spec *bodySpec, mode writeMode) obj {
	ex, ok := bodyExamples[spec]
	if !ok {
		panic("httpapi: no example request body for " + spec.name)
	}
	var keys []string
	switch {
	case spec.entity == nil:
		keys = spec.writable(mode)
	case mode == modePatch:
		keys = ex.patch
	case mode == modePut:
		keys = spec.mandatory(modePut)
	default:
		keys = spec.writable(modeCreate)
	}
	out := obj{}
	for _, k := range keys {
		v, ok := ex.values[k]
		if !ok {
			panic("httpapi: the example request body of " + spec.name + " has no " + k)
		}
		out[k] = v
	}
	return out
}

// exampleID returns the id of the example record a path names (/api/v1/clients/:id: 42).
func exampleID(path string) int64 {
	for plural, id := range exampleIDs {
		if strings.Contains(path, "/"+plural+"/") {
			return id
		}
	}
	panic("httpapi: no example id for " + path)
}

// problemExample is the example body of an error response of a status.
func problemExample(s int) problem {
	p := problem{Type: problemTypeURI(s), Title: http.StatusText(s), Status: s,
		Detail: problemExampleDetails[s], Errors: []crm.FieldError{}}
	if s == fiber.StatusUnprocessableEntity {
		p.Errors = []crm.FieldError{{Field: "email", Code: crm.FieldInvalidEmail, Message: "is not a valid email address"}}
	}
	return p
}

// problemExampleDetails are the details of the example problems.
var problemExampleDetails = map[int]string{
	400: "the query parameter page is not expected: the parameters are limit, cursor, sort, q",
	401: "the access token has expired: refresh it or log in again",
	403: "you may not delete this client",
	404: "no client with id 42",
	405: "this method is not allowed on this path: see /api/docs for the routes of the API",
	408: "the request took too long to arrive",
	409: "a user with this email already exists",
	412: "the record has changed since you read it: read it again and retry with its new ETag",
	413: "the request body is too large",
	415: "send the body as JSON, with Content-Type: application/json",
	422: "the body has invalid fields: email",
	429: "too many failed logins: retry in 900 seconds",
	431: "the request headers are too large",
	500: "an unexpected error occurred: quote the X-Request-ID header to get help",
	503: "the service is unavailable: try again later",
}
