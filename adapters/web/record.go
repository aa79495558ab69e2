package web

import (
	"net/http"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// recordBody is the content of a record page (detail and edit, or creation): a heading with
// badges and actions, the form (or read-only facts when the user may not edit), a panel of
// facts and the related records.
type recordBody struct {
	Heading  string
	Sub      string
	Badges   []cell
	Actions  []action
	Form     *formBody
	Readonly []fact
	Facts    []fact
	Related  []table
	Note     string
}

// action is a button of a record page: a link, or a POST form (with the CSRF token and the
// record version) for an action such as signing.
type action struct {
	Label   string
	Href    string
	Icon    string
	Style   string // primary, secondary or danger
	Post    bool
	Version int64
}

// fact is a read-only value shown on a record page.
type fact struct {
	Label string
	Text  string
	Href  string
	Badge string
}

// paramID returns the record id of the path, or 0 when it is not a positive integer.
func paramID(rq *request) int64 {
	id, err := strconv.ParseInt(rq.c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// crumbs returns the trail Dashboard › Plural › label.
func (ui *UI) crumbs(rq *request, k *kind, label string) []crumb {
	out := []crumb{{Label: rq.T("Dashboard"), Href: ui.root + "/"}, {Label: rq.T(k.plural), Href: ui.listURL(k)}}
	if label != "" {
		out = append(out, crumb{Label: label})
	}
	return out
}

// recordActions returns the History and Delete buttons of a record, when the user may use them.
func (ui *UI) recordActions(rq *request, k *kind, id int64) []action {
	var out []action
	if rq.can(crm.ResourceAudit, crm.ActionRead) {
		out = append(out, action{Label: rq.T("History"), Href: ui.historyURL(k, id), Icon: "clock", Style: "secondary"})
	}
	if canReview(rq) {
		out = append(out, action{Label: rq.T("Who can see this?"), Href: ui.accessURL(k, id), Icon: "shield", Style: "secondary"})
	}
	if rq.canOn(k.res, crm.ActionDelete, id) {
		out = append(out, action{Label: rq.T("Delete"), Href: ui.deleteURL(k, id), Icon: "trash", Style: "danger"})
	}
	return out
}

// submitFailure tells how a failed submission is shown: invalid values, conflicts and a record
// changed meanwhile stay on the form with what the user typed (ok is true); anything else is an
// error page.
func submitFailure(l *locale, err error, reload string) (status int, a *alert, errs formErrors, ok bool) {
	switch crm.ErrorCode(err) {
	case crm.EINVALID:
		return http.StatusUnprocessableEntity, &alert{Kind: "danger", Title: l.T("Please correct the errors below."),
			Text: domainText(l, err, msg("Some values are not valid."))}, l.fieldErrors(err), true
	case crm.ECONFLICT:
		return http.StatusConflict, &alert{Kind: "danger", Title: l.T("This cannot be saved."),
			Text: domainText(l, err, msg("It conflicts with another record."))}, formErrors{}, true
	case crm.EPRECONDITION:
		return http.StatusPreconditionFailed, &alert{Kind: "warning", Title: l.T("This record was changed meanwhile."),
				Text: l.T("Someone else saved it after you opened it, so nothing was changed. Your input is kept below: " +
					"reload the record to see the latest version, then apply your changes again."), Reload: reload},
			formErrors{}, true
	case crm.EBUSY:
		return http.StatusServiceUnavailable, &alert{Kind: "warning", Title: l.T("The server is busy right now."),
				Text: l.T("Nothing was saved: it is checking other passwords. Your input is kept below: submit it again in a few seconds.")},
			formErrors{}, true
	}
	return 0, nil, nil, false
}

// parseFailure is the alert of a form whose values could not even be read.
func parseFailure(l *locale) *alert {
	return &alert{Kind: "danger", Title: l.T("Please correct the errors below.")}
}

// strOpt converts a text field to a field of a string type such as crm.ClientStatus.
func strOpt[T ~string](o crm.Opt[string]) crm.Opt[T] {
	return crm.Opt[T]{Set: o.Set, Value: T(o.Value)}
}
