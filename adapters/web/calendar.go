package web

import (
	"net/http"

	"github.com/epicevents/epiccrm/crm"
)

// calendarPage shows whether the user has a private calendar feed, and offers to create a new
// address (which replaces any earlier one) or to revoke it.
func (ui *UI) calendarPage(rq *request) error { return ui.renderCalendar(rq, http.StatusOK, nil) }

func (ui *UI) renderCalendar(rq *request, status int, a *alert) error {
	if ui.cfg.Calendars == nil {
		return ui.errorPage(rq.c, rq, http.StatusServiceUnavailable, rq.T("No calendar feeds"),
			rq.T("This server does not publish calendar feeds."))
	}
	created, err := ui.cfg.Calendars.Created(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	sub := rq.T("You have no calendar address yet.")
	opts := []option{{Value: "new", Label: rq.T("Create an address"), Selected: true}}
	if created != nil {
		sub = rq.T("Your calendar address was made on %s. It is shown only once: make a new one if you lost it (the old one stops working).",
			rq.loc().time(*created))
		opts = []option{{Value: "new", Label: rq.T("Make a new address (the old one stops working)"), Selected: true},
			{Value: "revoke", Label: rq.T("Revoke the address")}}
	}
	fs := &fieldSet{values: values{}, errs: formErrors{}}
	fs.add(field{Name: "action", Label: rq.T("What to do"), Type: "select", Options: opts, Required: true, Wide: true,
		Help: rq.T("Subscribe to the address in any calendar app to see the events you may read. Anyone who has it can read them.")})
	title := rq.T("My calendar")
	body := &recordBody{Heading: title, Sub: sub,
		Form: &formBody{Action: ui.root + "/calendar", Fields: fs.fields, Submit: rq.T("Go"), Cancel: ui.root + "/", Alert: a}}
	vw := ui.newView(rq, "calendar", title, body)
	return ui.render(rq.c, status, "record", vw)
}

// changeCalendar makes a new feed address and shows it once, or revokes the feed (POST).
func (ui *UI) changeCalendar(rq *request) error {
	if ui.cfg.Calendars == nil {
		return ui.calendarPage(rq)
	}
	if postValue(rq.c, "action") == "revoke" {
		err := ui.cfg.Calendars.Revoke(rq.ctx)
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return ui.fail(rq.c, rq, err)
		}
		return ui.renderCalendar(rq, http.StatusOK, &alert{Kind: "info", Title: rq.T("Calendar address revoked"),
			Text: rq.T("Calendar apps subscribed to it no longer receive your events.")})
	}
	secret, err := ui.cfg.Calendars.Issue(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	url := rq.c.BaseURL() + ui.cfg.BasePath + "/api/v1/calendar/" + secret + ".ics"
	return ui.renderCalendar(rq, http.StatusOK, &alert{Kind: "warning", Title: rq.T("Your calendar address (shown only this once)"),
		Text: url})
}
