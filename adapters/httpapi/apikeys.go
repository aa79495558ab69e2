package httpapi

import (
	"reflect"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// apiKeyBody is the body of POST /api-keys.
var apiKeyBody = newBodySpec(bodySpec{
	name: "APIKeyCreate", input: reflect.TypeOf(crm.APIKeyInput{}), required: []string{"name", "role"},
	describe: map[string]string{
		"name":       "What the key is for, such as \"billing export\". It is the first name of the key's service account.",
		"role":       "The role of the key's service account: the key may do what a user of this role may do under the policy.",
		"expires_at": "When the key stops working; null or absent for never. Must be in the future.",
	},
})

// apiKeyOps are the routes of API keys. Managing keys takes the right to create and read any
// user (management under the default policy): a key is a service account.
func (a *API) apiKeyOps() []operation {
	perms := []perm{{res: crm.ResourceUser, act: crm.ActionCreate, note: "scope any"},
		{res: crm.ResourceUser, act: crm.ActionRead, note: "scope any"}}
	return []operation{
		{method: "GET", path: v1 + "/api-keys", id: "listAPIKeys", tag: "API keys", perms: perms,
			summary: "Every API key, newest first, revoked ones included; never a secret.",
			status:  200, result: "APIKeyPage", errors: []int{403}, handler: a.listAPIKeys},
		{method: "POST", path: v1 + "/api-keys", id: "createAPIKey", tag: "API keys", perms: perms,
			body: apiKeyBody, mode: modeCreate,
			summary: "Create an API key and its service account; the key is in this response only.",
			status:  201, result: "NewAPIKey", errors: []int{403}, handler: a.createAPIKey, noIdempotency: noIdemSecret},
		{method: "DELETE", path: v1 + "/api-keys/:id", id: "revokeAPIKey", tag: "API keys", perms: perms,
			summary: "Revoke an API key at once and deactivate its service account; revoking it again changes nothing.",
			status:  204, errors: []int{403}, handler: a.revokeAPIKey},
	}
}

func (a *API) listAPIKeys(c *fiber.Ctx) error {
	keys, err := a.svc.ListAPIKeys(ctxOf(c))
	if err != nil {
		return err
	}
	return sendPage(c, keys, "")
}

func (a *API) createAPIKey(c *fiber.Ctx) error {
	in, err := decodeBody[crm.APIKeyInput](c, apiKeyBody, modeCreate)
	if err != nil {
		return err
	}
	k, err := a.svc.CreateAPIKey(ctxOf(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderLocation, c.Path()+"/"+itoa(k.APIKey.ID))
	return sendJSON(c, fiber.StatusCreated, k)
}

func (a *API) revokeAPIKey(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := a.svc.RevokeAPIKey(ctxOf(c), id); err != nil {
		return err
	}
	return sendNoContent(c)
}
