package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// The notification settings page: each user turns the kinds of e-mail reminders on or off,
// through the crm.Service methods behind GET and PUT /api/v1/me/notifications.

// notificationsPath is where the page is, under the UI's root.
const notificationsPath = "/notifications"

func init() {
	flashMessages["notifications-saved"] = flash{"success", msg("Your notification settings were saved.")}
}

// reminderKindTexts are the label and the help of each kind of reminder, for the form.
var reminderKindTexts = map[crm.ReminderKind][2]string{
	crm.ReminderEventWithoutSupport: {msg("Events without support"), msg("Management: events coming soon that have no support contact yet.")},
	crm.ReminderContractUnpaid:      {msg("Unpaid contracts"), msg("Management: contracts with an amount due past their payment date.")},
	crm.ReminderEventTomorrow:       {msg("Events tomorrow"), msg("Support: your events that start tomorrow.")},
	crm.ReminderAssigned:            {msg("Records assigned to you"), msg("A client, contract or event that someone else made yours.")},
}

// routeNotifications mounts the notification settings page.
func (ui *UI) routeNotifications(g fiber.Router) {
	g.Get(notificationsPath, ui.protect(ui.notificationsPage))
	g.Post(notificationsPath, ui.protect(ui.saveNotifications))
}

// notificationsPage shows the form of the user's reminder settings.
func (ui *UI) notificationsPage(rq *request) error {
	s, err := rq.svc.NotificationSettings(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	v := values{}
	for _, k := range crm.ReminderKinds {
		if s[k] {
			v[string(k)] = "true"
		}
	}
	return ui.renderNotifications(rq, http.StatusOK, v, formErrors{}, nil)
}

func (ui *UI) renderNotifications(rq *request, status int, v values, errs formErrors, a *alert) error {
	l := rq.loc()
	fs := &fieldSet{values: v, errs: errs}
	for _, k := range crm.ReminderKinds {
		txt := reminderKindTexts[k]
		fs.add(field{Name: string(k), Label: l.T(txt[0]), Help: l.T(txt[1]), Type: "checkbox", Wide: true})
	}
	title := l.T("Notifications")
	body := &recordBody{Heading: title,
		Sub: l.T("Which reminders you receive by e-mail, when the server sends e-mail. Each one only concerns records you may see."),
		Form: &formBody{Action: ui.root + notificationsPath, Fields: fs.fields, Submit: l.T("Save notification settings"),
			Cancel: ui.root + "/", Alert: a}}
	return ui.render(rq.c, status, "record", ui.newView(rq, "notifications", title, body))
}

// saveNotifications saves the reminder settings (POST). Each checkbox comes after a hidden
// "false": a value other than true, on or false is refused, and nothing is saved.
func (ui *UI) saveNotifications(rq *request) error {
	l := rq.loc()
	set := crm.NotificationSettings{}
	v, errs := values{}, formErrors{}
	f := newForm(rq.c)
	for _, k := range crm.ReminderKinds {
		raw, ok := f.raw(string(k))
		switch {
		case !ok:
			continue
		case raw == "true" || raw == "on":
			set[k], v[string(k)] = true, "true"
		case raw == "false":
			set[k] = false
		default:
			errs[string(k)] = l.T("Choose on or off.")
		}
	}
	if len(errs) > 0 {
		return ui.renderNotifications(rq, http.StatusUnprocessableEntity, v, errs, parseFailure(l))
	}
	if _, err := rq.svc.SetNotificationSettings(rq.ctx, set); err != nil {
		if status, a, errs, ok := submitFailure(l, err, ""); ok {
			return ui.renderNotifications(rq, status, v, errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "notifications-saved")
	return rq.c.Redirect(ui.root+notificationsPath, http.StatusSeeOther)
}
