package httpapi

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// The webhook endpoints: management registers URLs that receive the CRM's changes, signed as
// the Standard Webhooks specification says. Webhooks are not in the policy: only management
// manages them, whatever the policy file says (see docs/permissions.md).

var webhookBody = newBodySpec(bodySpec{
	name: "Webhook", input: reflect.TypeOf(crm.WebhookInput{}), entity: reflect.TypeOf(crm.Webhook{}),
	required: []string{"url", "events"},
	describe: map[string]string{
		"url":     "Where the messages are POSTed: an absolute http or https URL of a public address.",
		"events":  "The change types to receive, such as contract.signed.",
		"enabled": "Whether the webhook receives messages (default true). Enabling it again clears disabled_reason.",
	},
})

// webhookCreated is the answer to a creation: the webhook and, shown this once, its secret.
type webhookCreated struct {
	ID             int64     `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason"`
	CreatedBy      int64     `json:"created_by"`
	DateCreated    time.Time `json:"date_created"`
	DateUpdated    time.Time `json:"date_updated"`
	// Secret is the signing secret in the Standard Webhooks form (whsec_ and base64). It is
	// shown only in this answer: keep it.
	Secret string `json:"secret"`
}

// webhookList is the answer of GET /webhooks.
type webhookList struct {
	Items []*crm.Webhook `json:"items"`
}

// webhookAttemptList is the delivery log of a webhook, newest first.
type webhookAttemptList struct {
	Items []crm.WebhookAttempt `json:"items"`
}

// webhookTestSent is the answer of POST /webhooks/{id}/test.
type webhookTestSent struct {
	// MessageID is the webhook-id of the test message, as it shows in the delivery log.
	MessageID string `json:"message_id"`
}

// webhookSchemas are the component schemas of the webhook endpoints' answers.
var webhookSchemas = map[string]reflect.Type{
	"Webhook": typeOf[crm.Webhook](), "WebhookCreated": typeOf[webhookCreated](),
	"WebhookList": typeOf[webhookList](), "WebhookAttemptList": typeOf[webhookAttemptList](),
	"WebhookTestSent": typeOf[webhookTestSent](),
}

// newWebhookCreated is the answer to the creation of w, with its secret in the whsec_ form.
func newWebhookCreated(w *crm.Webhook) webhookCreated {
	return webhookCreated{ID: w.ID, URL: w.URL, Events: w.Events, Enabled: w.Enabled, DisabledReason: w.DisabledReason,
		CreatedBy: w.CreatedBy, DateCreated: w.DateCreated, DateUpdated: w.DateUpdated,
		Secret: crm.WebhookSecretString(w.Secret)}
}

// exampleWebhookURL is the example URL, with its slashes escaped in JSON ("\/"): the same
// string once decoded, but the reference page (which must hold no link out) shows no "http://".
var exampleWebhookURL = json.RawMessage(`"https:\/\/hooks.acme.example\/epiccrm"`)

// withExampleURL returns v as a JSON object whose url is exampleWebhookURL.
func withExampleURL(v any) obj {
	b, _ := json.Marshal(v)
	var m obj
	_ = json.Unmarshal(b, &m)
	m["url"] = exampleWebhookURL
	return m
}

func init() {
	exampleWebhook := crm.Webhook{ID: 3, Events: []string{crm.ChangeContractSigned},
		Enabled: true, CreatedBy: 1, DateCreated: exampleAt, DateUpdated: exampleAt}
	resultExamples["Webhook"] = withExampleURL(exampleWebhook)
	resultExamples["WebhookCreated"] = withExampleURL(newWebhookCreated(&exampleWebhook))
	resultExamples["WebhookList"] = obj{"items": []any{withExampleURL(exampleWebhook)}}
	resultExamples["WebhookAttemptList"] = webhookAttemptList{Items: []crm.WebhookAttempt{{ID: 88, WebhookID: 3,
		MsgID: "chg_k5xq3m7v2c4n8p6r1t9w0y2z4a", Type: crm.ChangeContractSigned, Attempt: 1, At: exampleAt, Status: 200,
		DurationMS: 84, State: crm.MessageDelivered}}}
	resultExamples["WebhookTestSent"] = webhookTestSent{MessageID: "msg_2m4n6p8r0t2v4x6z8b0d2f4h6j"}
	exampleIDs["webhooks"] = 3
	bodyExamples[webhookBody] = bodyExample{values: obj{"url": exampleWebhookURL,
		"events": []string{crm.ChangeContractSigned}, "enabled": true}, patch: []string{"enabled"}}
	tagDescriptions["Webhooks"] = "URLs that receive the CRM's changes as signed messages (Standard Webhooks). Management only."
}

// webhookOps returns the routes of the webhooks.
func (a *API) webhookOps() []operation {
	coll, item := v1+"/webhooks", v1+"/webhooks/:id"
	return []operation{
		{method: "GET", path: coll, id: "listWebhooks", tag: "Webhooks",
			summary: "Every webhook (management only); secrets are never shown again.",
			status:  200, result: "WebhookList", errors: []int{403}, handler: a.listWebhooks},
		{method: "POST", path: coll, id: "createWebhook", tag: "Webhooks", body: webhookBody, mode: modeCreate,
			summary: "Register a webhook (management only); the answer shows its signing secret, once.",
			status:  201, result: "WebhookCreated", errors: []int{403}, handler: a.createWebhook, noIdempotency: noIdemSecret},
		{method: "GET", path: item, id: "getWebhook", tag: "Webhooks",
			summary: "One webhook (management only).", status: 200, result: "Webhook", errors: []int{403}, handler: a.getWebhook},
		{method: "PATCH", path: item, id: "updateWebhook", tag: "Webhooks", body: webhookBody, mode: modePatch,
			summary: "Change a webhook's url, events or enabled flag (management only).",
			status:  200, result: "Webhook", errors: []int{403}, handler: a.updateWebhook},
		{method: "DELETE", path: item, id: "deleteWebhook", tag: "Webhooks",
			summary: "Delete a webhook, its pending messages and its delivery log (management only).",
			status:  204, errors: []int{403}, handler: a.deleteWebhook},
		{method: "GET", path: item + "/deliveries", id: "listWebhookDeliveries", tag: "Webhooks",
			query:   []queryParam{{name: "limit", kind: pLimit, doc: "How many attempts, from 1 to " + itoa(crm.MaxAttemptLimit) + " (default " + itoa(crm.DefaultAttemptLimit) + ")."}},
			summary: "The delivery log of a webhook, newest attempt first: status, response time, error (management only).",
			status:  200, result: "WebhookAttemptList", errors: []int{403}, handler: a.listWebhookDeliveries},
		{method: "POST", path: item + "/test", id: "sendWebhookTest", tag: "Webhooks",
			summary: "Queue a test event (type webhook.test) to the webhook; it shows in the delivery log (management only).",
			status:  202, result: "WebhookTestSent", errors: []int{403}, handler: a.sendWebhookTest},
	}
}

func (a *API) listWebhooks(c *fiber.Ctx) error {
	ws, err := a.svc.ListWebhooks(ctxOf(c))
	if err != nil {
		return err
	}
	if ws == nil {
		ws = []*crm.Webhook{}
	}
	return sendJSON(c, fiber.StatusOK, webhookList{Items: ws})
}

func (a *API) createWebhook(c *fiber.Ctx) error {
	in, err := decodeBody[crm.WebhookInput](c, webhookBody, modeCreate)
	if err != nil {
		return err
	}
	w, err := a.svc.CreateWebhook(ctxOf(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, c.Path()+"/"+itoa(w.ID))
	return sendJSON(c, fiber.StatusCreated, newWebhookCreated(w))
}

func (a *API) getWebhook(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, err := a.svc.GetWebhook(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, w)
}

func (a *API) updateWebhook(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	in, err := decodeBody[crm.WebhookInput](c, webhookBody, modePatch)
	if err != nil {
		return err
	}
	w, err := a.svc.UpdateWebhook(ctxOf(c), id, in)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, w)
}

func (a *API) deleteWebhook(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteWebhook(ctxOf(c), id); err != nil {
		return err
	}
	return sendNoContent(c)
}

func (a *API) listWebhookDeliveries(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q, err := parseQuery(c, []queryParam{{name: "limit", kind: pLimit}})
	if err != nil {
		return err
	}
	limit, _ := q.get("limit").(int)
	items, err := a.svc.WebhookDeliveries(ctxOf(c), id, limit)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, webhookAttemptList{Items: items})
}

func (a *API) sendWebhookTest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	msgID, err := a.svc.SendTestWebhook(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusAccepted, webhookTestSent{MessageID: msgID})
}
