package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// bulkForm is the bulk action form under a list: the ticked rows' ids go with it, with an
// action (assign the contact, or delete) and the new contact.
type bulkForm struct {
	CSRF         string
	Action       string
	AssignLabel  string
	ContactLabel string
	Contacts     []option
	CanAssign    bool
	CanDelete    bool
}

// bulkBody is the result page of a bulk action: what was done and what was refused, and why,
// record by record.
type bulkBody struct {
	Plural   string
	What     string
	Summary  string
	ListHref string
	Rows     []bulkRow
}

// bulkRow is the outcome of one record.
type bulkRow struct {
	ID     int64
	Href   string
	Done   bool
	Reason string
}

// bulkReason says why a bulk action refused a record, in the locale's language: the refusal's
// message and its field errors (the domain's English Reason when the result carries no error).
func bulkReason(l *locale, r crm.BulkResult) string {
	if r.Err == nil || l.Lang == "en" {
		return r.Reason
	}
	reason := l.errorText(r.Err)
	for _, f := range crm.ErrorFields(r.Err) {
		reason += "; " + fieldLabelOf(l, f.Field) + l.T(": ") + l.fieldMessage(f)
	}
	return reason
}

// bulkContact is the contact field a bulk assignment sets on each kind, and the role of its users.
var bulkContact = map[*kind]struct {
	label, assign string // catalogue keys
	role          crm.Role
}{
	kindClient:   {msg("Sales contact"), msg("Assign the sales contact"), crm.RoleSales},
	kindContract: {msg("Sales contact"), msg("Assign the sales contact"), crm.RoleSales},
	kindEvent:    {msg("Support contact"), msg("Assign the support contact"), crm.RoleSupport},
}

func (ui *UI) routeBulk(g fiber.Router) {
	for k := range bulkContact {
		g.Post("/"+k.path+"/bulk", ui.protect(ui.bulk(k)))
	}
}

// bulkFormFor returns the bulk form of the list of k, or nil when the caller may neither assign
// nor delete such records.
func (ui *UI) bulkFormFor(rq *request, n *names, k *kind) *bulkForm {
	bc := bulkContact[k]
	f := &bulkForm{CSRF: rq.session.CSRFToken, Action: ui.listURL(k) + "/bulk",
		AssignLabel: rq.T(bc.assign), ContactLabel: rq.T(bc.label),
		CanAssign: rq.can(k.res, crm.ActionAssign) || (k == kindEvent && rq.can(k.res, crm.ActionUpdate)),
		CanDelete: rq.can(k.res, crm.ActionDelete)}
	if !f.CanAssign && !f.CanDelete {
		return nil
	}
	if f.CanAssign {
		f.Contacts = n.userOptions(bc.role, "", rq.T("Nobody"))
	}
	return f
}

// withBulk turns on the checkboxes of a list page's table and adds its bulk form.
func (ui *UI) withBulk(rq *request, n *names, k *kind, body *listBody) {
	if body.Bulk = ui.bulkFormFor(rq, n, k); body.Bulk != nil {
		body.Table.Select = true
	}
}

// bulk applies the action of a list's bulk form to every ticked record, each through the same
// service call as the single action (so its rules, scope and audit entry), and shows per record
// what was done or refused and why.
func (ui *UI) bulk(k *kind) handler {
	return func(rq *request) error {
		var ids []int64
		for _, v := range postValues(rq.c, "id") {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad request"), rq.T("A ticked row is not a record id: reload the list and try again."))
			}
			ids = append(ids, id)
		}
		var do func(ctx context.Context, id int64) error
		what := ""
		switch postValue(rq.c, "action") {
		case "assign":
			var contact *int64
			if v := postValue(rq.c, "contact"); v != "" {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil || id <= 0 {
					return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad request"), rq.T("The chosen contact is not a user id."))
				}
				contact = &id
			}
			what = rq.T(bulkContact[k].assign)
			do = func(ctx context.Context, id int64) error {
				var err error
				switch k {
				case kindClient:
					_, err = ui.svc.UpdateClient(ctx, id, crm.ClientInput{SalesContactID: crm.Some(contact)}, 0)
				case kindContract:
					_, err = ui.svc.UpdateContract(ctx, id, crm.ContractInput{SalesContactID: crm.Some(contact)}, 0)
				default:
					_, err = ui.svc.AssignSupport(ctx, id, contact, 0)
				}
				return err
			}
		case "delete":
			what = rq.T("Delete")
			do = func(ctx context.Context, id int64) error { return ui.remove(rq, k, id, 0) }
		default:
			return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad request"), rq.T("Choose an action: assign or delete."))
		}
		rep, err := ui.svc.Bulk(rq.ctx, ids, do)
		if rep == nil {
			return ui.fail(rq.c, rq, err)
		}
		plural := rq.T(k.plural)
		body := &bulkBody{Plural: plural, What: what, Summary: rq.T("%d done, %d refused", rep.Done, rep.Refused), ListHref: ui.listURL(k)}
		if err != nil {
			body.Summary += rq.T("; then the action stopped: %s (the rows not listed were not touched)", rq.loc().errorText(err))
		}
		for _, r := range rep.Results {
			body.Rows = append(body.Rows, bulkRow{ID: r.ID, Href: ui.recordURL(k, r.ID), Done: r.Done, Reason: bulkReason(rq.loc(), r)})
		}
		status := http.StatusOK
		if rep.Refused > 0 || err != nil {
			status = http.StatusUnprocessableEntity
		}
		return ui.render(rq.c, status, "bulk", ui.newView(rq, k.path, plural+rq.T(": ")+what, body))
	}
}
