package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// The webhook pages: management lists the webhooks, registers one (its signing secret is shown
// once, on the page that follows the creation), enables, disables or deletes it, sends it a test
// event and reads its delivery log. Every page goes through the crm.Service methods the REST API
// uses, so the same rule holds: anyone but management gets the forbidden page.

// webhooksPath is where the webhook pages are, under the UI's root.
const webhooksPath = "/webhooks"

// deliveryLogSize is how many attempts a webhook's page shows, newest first.
const deliveryLogSize = 50

func init() {
	flashMessages["webhook-enabled"] = flash{"success", msg("The webhook is enabled: it receives the changes it subscribes to.")}
	flashMessages["webhook-disabled"] = flash{"info", msg("The webhook is disabled: it receives nothing until you enable it again.")}
	flashMessages["webhook-deleted"] = flash{"success", msg("The webhook was deleted, with its pending messages and delivery log.")}
	flashMessages["webhook-test-sent"] = flash{"success", msg("A test event was queued: it shows in the delivery log once sent.")}
}

// routeWebhooks mounts the webhook pages.
func (ui *UI) routeWebhooks(g fiber.Router) {
	g.Get(webhooksPath, ui.protect(ui.webhooksPage))
	g.Get(webhooksPath+"/new", ui.protect(ui.newWebhookPage))
	g.Post(webhooksPath+"/new", ui.protect(ui.createWebhook))
	g.Get(webhooksPath+"/:id<int>", ui.protect(ui.webhookPage))
	g.Post(webhooksPath+"/:id<int>/enable", ui.protect(ui.switchWebhook(true)))
	g.Post(webhooksPath+"/:id<int>/disable", ui.protect(ui.switchWebhook(false)))
	g.Post(webhooksPath+"/:id<int>/test", ui.protect(ui.testWebhook))
	g.Get(webhooksPath+"/:id<int>/delete", ui.protect(ui.confirmDeleteWebhook))
	g.Post(webhooksPath+"/:id<int>/delete", ui.protect(ui.deleteWebhook))
}

// canManageWebhooks reports whether to offer the webhook pages: to management only, as the
// service allows.
func canManageWebhooks(rq *request) bool { return rq.actor.Role == crm.RoleManagement }

// webhookURL is the address of a webhook's page.
func (ui *UI) webhookURL(id int64) string { return ui.root + webhooksPath + "/" + itoa(id) }

// webhookCrumbs is the trail of a page below the webhook list.
func (ui *UI) webhookCrumbs(rq *request, title string) []crumb {
	return []crumb{{Label: rq.T("Dashboard"), Href: ui.root + "/"}, {Label: rq.T("Webhooks"), Href: ui.root + webhooksPath}, {Label: title}}
}

// webhooksPage lists the webhooks with their state and their last delivery.
func (ui *UI) webhooksPage(rq *request) error {
	ws, err := rq.svc.ListWebhooks(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	l := rq.loc()
	t := table{Columns: []column{{Label: l.T("URL")}, {Label: l.T("Events")}, {Label: l.T("State")}, {Label: l.T("Last delivery")}},
		Empty: l.T("No webhook yet: register one to send the CRM's changes to another system.")}
	for _, w := range ws {
		last, err := rq.svc.WebhookDeliveries(rq.ctx, w.ID, 1)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		lastCell := cell{}
		if len(last) > 0 {
			lastCell = attemptStateCell(l, last[0])
			lastCell.Sub = l.time(last[0].At) + attemptStatusText(l, last[0])
		}
		t.Rows = append(t.Rows, row{ID: w.ID, Cells: []cell{
			{Text: w.URL, Href: ui.webhookURL(w.ID), Strong: true}, {Text: strings.Join(w.Events, ", ")},
			webhookStateCell(l, w), lastCell}})
	}
	title := l.T("Webhooks")
	body := &recordBody{Heading: title,
		Sub:     l.T("Addresses that receive the CRM's changes as signed messages (Standard Webhooks)."),
		Actions: []action{{Label: l.T("New webhook"), Href: ui.root + webhooksPath + "/new", Icon: "plus", Style: "primary"}},
		Related: []table{t}}
	return ui.render(rq.c, http.StatusOK, "record", ui.newView(rq, "webhooks", title, body))
}

// disabledReason says why a webhook is disabled, in the locale's language ("" when it is not).
func disabledReason(l *locale, w *crm.Webhook) string {
	if w.DisabledReason == "" {
		return ""
	}
	return l.text(crm.DisabledReasonText(w.DisabledReason))
}

// webhookStateCell is a webhook's enabled or disabled badge, with the reason it was disabled.
func webhookStateCell(l *locale, w *crm.Webhook) cell {
	if w.Enabled {
		return cell{Text: l.T("Enabled"), Badge: "green"}
	}
	return cell{Text: l.T("Disabled"), Badge: "red", Sub: disabledReason(l, w)}
}

// attemptStateCell is the badge of a delivery attempt's outcome.
func attemptStateCell(l *locale, a crm.WebhookAttempt) cell {
	switch a.State {
	case crm.MessageDelivered:
		return cell{Text: l.T("Delivered"), Badge: "green"}
	case crm.MessagePending:
		return cell{Text: l.T("Will be retried"), Badge: "amber"}
	}
	return cell{Text: l.T("Failed"), Badge: "red"}
}

// attemptStatusText is ", HTTP 200" for an attempt that got an answer, "" otherwise.
func attemptStatusText(l *locale, a crm.WebhookAttempt) string {
	if a.Status == 0 {
		return ""
	}
	return l.T(", HTTP %d", a.Status)
}

// newWebhookPage shows the form that registers a webhook.
func (ui *UI) newWebhookPage(rq *request) error {
	if !canManageWebhooks(rq) {
		// The service says no the same way; asking it keeps one source of the rule.
		if _, err := rq.svc.ListWebhooks(rq.ctx); err != nil {
			return ui.fail(rq.c, rq, err)
		}
	}
	return ui.renderWebhookForm(rq, http.StatusOK, values{}, formErrors{}, nil)
}

// eventField is the name of the checkbox of change type typ in the webhook form.
func eventField(typ string) string { return "event-" + strings.ReplaceAll(typ, ".", "-") }

func (ui *UI) renderWebhookForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	l := rq.loc()
	// The events' error shows under the first change type's checkbox.
	if e, ok := errs["events"]; ok {
		errs[eventField(crm.ChangeTypes[0])] = e
		delete(errs, "events")
	}
	fs := &fieldSet{values: v, errs: errs}
	fs.add(field{Name: "url", Label: l.T("URL"), Type: "url", Required: true, Wide: true, Placeholder: "https://hooks.example.com/epiccrm",
		Help: l.T("Where the messages are POSTed: an absolute https:// (or http://) address that the server can reach.")})
	for _, typ := range crm.ChangeTypes {
		fs.add(field{Name: eventField(typ), Label: typ, Type: "checkbox"})
	}
	title := l.T("New webhook")
	body := &recordBody{Heading: title, Sub: l.T("Tick the changes to send. The signing secret is shown once, right after the webhook is created."),
		Form: &formBody{Action: ui.root + webhooksPath + "/new", Fields: fs.fields, Submit: l.T("Create the webhook"),
			Cancel: ui.root + webhooksPath, Alert: a}}
	vw := ui.newView(rq, "webhooks", title, body)
	vw.Crumbs = ui.webhookCrumbs(rq, title)
	return ui.render(rq.c, status, "record", vw)
}

// createWebhook registers a webhook (POST) and shows its page with the secret, this once.
func (ui *UI) createWebhook(rq *request) error {
	v := values{"url": strings.TrimSpace(postValue(rq.c, "url"))}
	var events []string
	f := newForm(rq.c)
	for _, typ := range crm.ChangeTypes {
		if on := f.flag(eventField(typ)); on.Set && on.Value {
			events = append(events, typ)
			v[eventField(typ)] = "true"
		}
	}
	w, err := rq.svc.CreateWebhook(rq.ctx, crm.WebhookInput{URL: crm.Some(v["url"]), Events: crm.Some(events)})
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.renderWebhookForm(rq, status, v, errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	return ui.renderWebhook(rq, http.StatusCreated, w, crm.WebhookSecretString(w.Secret))
}

// webhook returns the webhook of the path, or the error page's error.
func (ui *UI) webhook(rq *request) (*crm.Webhook, error) {
	id := paramID(rq)
	if id == 0 {
		return nil, crm.Errorf(crm.ENOTFOUND, "no such webhook")
	}
	return rq.svc.GetWebhook(rq.ctx, id)
}

// webhookPage shows a webhook, its actions and its delivery log.
func (ui *UI) webhookPage(rq *request) error {
	w, err := ui.webhook(rq)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.renderWebhook(rq, http.StatusOK, w, "")
}

// renderWebhook renders a webhook's page; secret, when not empty, is shown once above the log.
func (ui *UI) renderWebhook(rq *request, status int, w *crm.Webhook, secret string) error {
	l := rq.loc()
	log, err := rq.svc.WebhookDeliveries(rq.ctx, w.ID, deliveryLogSize)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	t := table{Title: l.T("Delivery log"), Empty: l.T("Nothing was sent to this webhook yet."),
		Columns: []column{{Label: l.T("When")}, {Label: l.T("Event")}, {Label: l.T("Outcome")}, {Label: l.T("HTTP status"), Numeric: true},
			{Label: l.T("Response time"), Numeric: true}, {Label: l.T("Attempt"), Numeric: true}, {Label: l.T("Error")}}}
	for _, a := range log {
		code := ""
		if a.Status != 0 {
			code = strconv.Itoa(a.Status)
		}
		t.Rows = append(t.Rows, row{ID: a.ID, Cells: []cell{{Text: l.time(a.At), Nowrap: true}, {Text: a.Type, Sub: a.MsgID},
			attemptStateCell(l, a), {Text: code, Numeric: true}, {Text: l.T("%d ms", a.DurationMS), Numeric: true},
			{Text: strconv.Itoa(a.Attempt), Numeric: true}, {Text: a.Error}}})
	}
	base := ui.webhookURL(w.ID)
	toggle := action{Label: l.T("Disable"), Href: base + "/disable", Icon: "x", Style: "secondary", Post: true}
	if !w.Enabled {
		toggle = action{Label: l.T("Enable"), Href: base + "/enable", Icon: "check", Style: "secondary", Post: true}
	}
	state := webhookStateCell(l, w)
	body := &recordBody{Heading: w.URL, Badges: []cell{state},
		Sub: l.T("Pending messages are retried with growing delays for a day; a webhook that delivers nothing for that long is disabled."),
		Actions: []action{{Label: l.T("Send test event"), Href: base + "/test", Icon: "sparkle", Style: "primary", Post: true}, toggle,
			{Label: l.T("Delete"), Href: base + "/delete", Icon: "trash", Style: "danger"}},
		Facts: []fact{{Label: l.T("Events"), Text: strings.Join(w.Events, ", ")}, {Label: l.T("State"), Text: state.Text, Badge: state.Badge},
			{Label: l.T("Why it is disabled"), Text: orDash(disabledReason(l, w))}, {Label: l.T("Created"), Text: l.time(w.DateCreated)},
			{Label: l.T("Updated"), Text: l.time(w.DateUpdated)}},
		Related: []table{t}}
	if secret != "" {
		body.Note = l.T("Signing secret, shown only this once: copy it now into the receiving system, which checks the signatures with it: %s", secret)
	}
	vw := ui.newView(rq, "webhooks", w.URL, body)
	vw.Crumbs = ui.webhookCrumbs(rq, w.URL)
	return ui.render(rq.c, status, "record", vw)
}

// switchWebhook enables or disables the webhook of the path (POST).
func (ui *UI) switchWebhook(on bool) handler {
	return func(rq *request) error {
		_, err := rq.svc.UpdateWebhook(rq.ctx, paramID(rq), crm.WebhookInput{Enabled: crm.Some(on)})
		code := "webhook-disabled"
		if on {
			code = "webhook-enabled"
		}
		return ui.doneTo(rq, err, code, ui.webhookURL(paramID(rq)))
	}
}

// testWebhook queues a test event to the webhook of the path (POST).
func (ui *UI) testWebhook(rq *request) error {
	id := paramID(rq)
	_, err := rq.svc.SendTestWebhook(rq.ctx, id)
	return ui.doneTo(rq, err, "webhook-test-sent", ui.webhookURL(id))
}

// confirmBody is the content of a page that asks to confirm an action that cannot be undone.
type confirmBody struct {
	Question, Title, Href, Text, Action, Yes, No string
}

// confirmDeleteWebhook asks to confirm the deletion of the webhook of the path.
func (ui *UI) confirmDeleteWebhook(rq *request) error {
	w, err := ui.webhook(rq)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	l := rq.loc()
	title := l.T("Delete this webhook?")
	body := &confirmBody{Question: title, Title: w.URL, Href: ui.webhookURL(w.ID), Action: ui.webhookURL(w.ID) + "/delete",
		Text: l.T("The webhook, its pending messages and its delivery log will be deleted, and it will receive nothing more. This cannot be undone."),
		Yes:  l.T("Yes, delete it"), No: l.T("No, keep it")}
	vw := ui.newView(rq, "webhooks", title, body)
	vw.Crumbs = ui.webhookCrumbs(rq, title)
	return ui.render(rq.c, http.StatusOK, "confirm", vw)
}

// deleteWebhook deletes the webhook of the path (POST).
func (ui *UI) deleteWebhook(rq *request) error {
	return ui.doneTo(rq, rq.svc.DeleteWebhook(rq.ctx, paramID(rq)), "webhook-deleted", ui.root+webhooksPath)
}

// doneTo ends an action (POST): the error page when err is not nil, else the flash message
// with code on the page to.
func (ui *UI) doneTo(rq *request, err error, code, to string) error {
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, code)
	return rq.c.Redirect(to, http.StatusSeeOther)
}
