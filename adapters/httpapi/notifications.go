package httpapi

import (
	"reflect"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// notificationsInput is the body of PUT /me/notifications: the kinds of reminders to turn on
// (true) or off (false); kinds left out keep their setting.
type notificationsInput struct {
	EventWithoutSupport crm.Opt[bool] `json:"event_without_support"`
	ContractUnpaid      crm.Opt[bool] `json:"contract_unpaid"`
	EventTomorrow       crm.Opt[bool] `json:"event_tomorrow"`
	Assigned            crm.Opt[bool] `json:"assigned"`
}

// notifications is which reminders the caller receives by e-mail.
type notifications struct {
	EventWithoutSupport bool `json:"event_without_support"`
	ContractUnpaid      bool `json:"contract_unpaid"`
	EventTomorrow       bool `json:"event_tomorrow"`
	Assigned            bool `json:"assigned"`
}

var notificationsBody = newBodySpec(bodySpec{
	name: "NotificationSettingsChange", input: reflect.TypeOf(notificationsInput{}),
	describe: map[string]string{
		"event_without_support": "Management: events coming soon without a support contact.",
		"contract_unpaid":       "Management: contracts with an amount due past their payment due date.",
		"event_tomorrow":        "Support: your events that start tomorrow.",
		"assigned":              "A client, contract or event made yours by someone else.",
	},
})

// notificationOps are the routes of the caller's reminder settings.
func (a *API) notificationOps() []operation {
	return []operation{
		{method: "GET", path: v1 + "/me/notifications", id: "getNotifications", tag: "Authentication",
			summary: "Which reminders you receive by e-mail (when the server sends e-mail).",
			status:  200, result: "NotificationSettings", handler: a.getNotifications},
		{method: "PUT", path: v1 + "/me/notifications", id: "setNotifications", tag: "Authentication",
			summary: "Turn kinds of reminders on or off; kinds left out keep their setting.",
			body:    notificationsBody, mode: modeCreate, status: 200, result: "NotificationSettings", handler: a.setNotifications},
	}
}

func (a *API) getNotifications(c *fiber.Ctx) error {
	s, err := a.svc.NotificationSettings(ctxOf(c))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, notificationsOf(s))
}

func (a *API) setNotifications(c *fiber.Ctx) error {
	in, err := decodeBody[notificationsInput](c, notificationsBody, modeCreate)
	if err != nil {
		return err
	}
	set := crm.NotificationSettings{}
	for kind, v := range map[crm.ReminderKind]crm.Opt[bool]{
		crm.ReminderEventWithoutSupport: in.EventWithoutSupport, crm.ReminderContractUnpaid: in.ContractUnpaid,
		crm.ReminderEventTomorrow: in.EventTomorrow, crm.ReminderAssigned: in.Assigned,
	} {
		if v.Set {
			set[kind] = v.Value
		}
	}
	s, err := a.svc.SetNotificationSettings(ctxOf(c), set)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, notificationsOf(s))
}

func notificationsOf(s crm.NotificationSettings) notifications {
	return notifications{EventWithoutSupport: s[crm.ReminderEventWithoutSupport], ContractUnpaid: s[crm.ReminderContractUnpaid],
		EventTomorrow: s[crm.ReminderEventTomorrow], Assigned: s[crm.ReminderAssigned]}
}
