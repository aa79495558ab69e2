package httpapi

import (
	"reflect"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/i18n"
)

// preferencesInput is the body of PATCH /me/preferences: the preferences to change; those left
// out keep their value, and "" returns one to the deployment's default.
type preferencesInput struct {
	Language crm.Opt[string] `json:"language"`
	TimeZone crm.Opt[string] `json:"time_zone"`
	Theme    crm.Opt[string] `json:"theme"`
}

var preferencesBody = newBodySpec(bodySpec{
	name: "PreferencesChange", input: reflect.TypeOf(preferencesInput{}),
	describe: map[string]string{
		"language":  "The language of the admin UI and of /api/docs: en or fr; \"\" for the browser's.",
		"time_zone": "The IANA time zone the admin UI shows and reads times in, such as Europe/Paris; \"\" for the server's.",
		"theme":     "The colour theme of the admin UI: light, dark or auto; \"\" is auto.",
	},
})

// preferenceOps are the routes of the caller's own preferences.
func (a *API) preferenceOps() []operation {
	return []operation{
		{method: "GET", path: v1 + "/me/preferences", id: "getPreferences", tag: "Authentication",
			summary: "Your preferences: language, time zone and theme (\"\" for the deployment's default).",
			status:  200, result: "Preferences", errors: []int{503}, handler: a.getPreferences},
		{method: "PATCH", path: v1 + "/me/preferences", id: "updatePreferences", tag: "Authentication",
			summary: "Change some of your preferences; those left out keep their value, and \"\" returns one to the default.",
			body:    preferencesBody, mode: modeCreate, status: 200, result: "Preferences", errors: []int{503},
			handler: a.updatePreferences},
	}
}

// preferences returns the store of the preferences, or EUNAVAILABLE when the server has none.
func (a *API) preferences() (crm.PreferenceStore, error) {
	if a.cfg.Preferences == nil {
		return nil, crm.Errorf(crm.EUNAVAILABLE, "preferences are not kept on this server")
	}
	return a.cfg.Preferences, nil
}

// getPreferences answers the caller's own preferences.
func (a *API) getPreferences(c *fiber.Ctx) error {
	store, err := a.preferences()
	if err != nil {
		return err
	}
	me, err := a.svc.Me(ctxOf(c))
	if err != nil {
		return err
	}
	p, err := store.FindPreferences(ctxOf(c), me.ID)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, p)
}

// updatePreferences changes the fields of the caller's own preferences the body gives, after
// checking each of them: a bad value changes nothing.
func (a *API) updatePreferences(c *fiber.Ctx) error {
	store, err := a.preferences()
	if err != nil {
		return err
	}
	in, err := decodeBody[preferencesInput](c, preferencesBody, modeCreate)
	if err != nil {
		return err
	}
	given := crm.Preferences{Language: in.Language.Value, TimeZone: in.TimeZone.Value, Theme: in.Theme.Value}
	if err := given.Validate(i18n.Languages); err != nil {
		return err
	}
	ctx := ctxOf(c)
	me, err := a.svc.Me(ctx)
	if err != nil {
		return err
	}
	p, err := store.FindPreferences(ctx, me.ID)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		in  crm.Opt[string]
		dst *string
	}{{in.Language, &p.Language}, {in.TimeZone, &p.TimeZone}, {in.Theme, &p.Theme}} {
		if f.in.Set {
			*f.dst = f.in.Value
		}
	}
	if err := store.SavePreferences(ctx, me.ID, p); err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, p)
}
