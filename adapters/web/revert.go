package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

func init() {
	flashMessages["change-reverted"] = flash{"success", msg("The change was reverted. The revert is in the history.")}
}

// routeRevert mounts "Revert this change" on the history of clients, contracts and events.
func (ui *UI) routeRevert(g fiber.Router) {
	for _, k := range []*kind{kindClient, kindContract, kindEvent} {
		p := "/" + k.path + "/:id<int>/history/:entry<int>/revert"
		g.Get(p, ui.protect(ui.revertPage(k)))
		g.Post(p, ui.protect(ui.revert(k)))
	}
}

// revertURL is the address of the page that reverts one audit entry of a record.
func (ui *UI) revertURL(k *kind, id, entry int64) string {
	return ui.historyURL(k, id) + "/" + strconv.FormatInt(entry, 10) + "/revert"
}

// revertHref is the "Revert this change" link of a history entry: only on an update or an
// assignment of a client, contract or event, for who may read the audit log.
func (ui *UI) revertHref(rq *request, k *kind, e *crm.AuditEntry) string {
	if k == kindUser || !canReadAudit(rq) || (e.Action != crm.ActionUpdate && e.Action != crm.ActionAssign) || len(e.Changes) == 0 {
		return ""
	}
	return ui.revertURL(k, e.ResourceID, e.ID)
}

// revertBody is the content of the revert page.
type revertBody struct {
	Title        string
	Href         string
	HistoryHref  string
	Action       string
	At           string
	Actor        ref
	Table        table
	Version      int64
	ChangedSince bool
	Noop         bool
	Alert        *alert
}

// plan reads the revert plan of the entry in the address, checking that it is a change of
// that record (a 404 page otherwise).
func (ui *UI) plan(rq *request, k *kind) (*crm.RevertPlan, error) {
	entry, err := strconv.ParseInt(rq.c.Params("entry"), 10, 64)
	if err != nil {
		entry = 0
	}
	p, err := ui.svc.PlanRevert(rq.ctx, entry)
	if err != nil {
		return nil, err
	}
	if p.Entry.Resource != k.res || p.Entry.ResourceID != paramID(rq) {
		return nil, crm.Errorf(crm.ENOTFOUND, "audit entry %d is not a change of this record", entry)
	}
	return p, nil
}

// revertPage shows what reverting a change would set, which fields were changed again since,
// and the button (with a confirmation box when some were).
func (ui *UI) revertPage(k *kind) handler {
	return func(rq *request) error {
		p, err := ui.plan(rq, k)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		return ui.renderRevert(rq, http.StatusOK, k, p, nil)
	}
}

// revert applies the earlier values of the change through crm.Service.RevertChange, with the
// version the page was drawn from; a refusal is explained on the page, nothing changed.
func (ui *UI) revert(k *kind) handler {
	return func(rq *request) error {
		p, err := ui.plan(rq, k)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		version, err := strconv.ParseInt(strings.TrimSpace(rq.c.FormValue("version")), 10, 64)
		if err != nil || version <= 0 {
			return ui.renderRevert(rq, http.StatusBadRequest, k, p, &alert{Kind: "danger", Title: rq.T("Nothing was reverted."),
				Text: rq.T("The form lacks the version of the record. Reload the page and try again.")})
		}
		if p.ChangedSince && rq.c.FormValue("confirm") != "true" {
			return ui.renderRevert(rq, http.StatusUnprocessableEntity, k, p, &alert{Kind: "warning", Title: rq.T("Nothing was reverted."),
				Text: rq.T("Some fields were changed again since. Tick the box to confirm that those later changes are undone too.")})
		}
		err = ui.svc.RevertChange(rq.ctx, p.Entry.ID, version)
		if err == nil {
			ui.setFlash(rq.c, "change-reverted")
			return rq.c.Redirect(ui.historyURL(k, p.Entry.ResourceID), fiber.StatusSeeOther)
		}
		a := &alert{Kind: "danger", Title: rq.T("Nothing was reverted.")}
		switch crm.ErrorCode(err) {
		case crm.EPRECONDITION:
			a.Kind, a.Text = "warning", rq.T("The record changed while you were looking at it. Review the values as they are now, then revert again.")
			return ui.renderRevert(rq, http.StatusPreconditionFailed, k, p, a)
		case crm.EINVALID:
			var parts []string
			for field, m := range rq.loc().fieldErrors(err) {
				parts = append(parts, fieldLabelOf(rq.loc(), field)+": "+m)
			}
			a.Text = rq.T("The rules refuse the earlier values now: %s", strings.Join(parts, " "))
			return ui.renderRevert(rq, http.StatusUnprocessableEntity, k, p, a)
		case crm.ECONFLICT, crm.EFORBIDDEN:
			a.Text = domainText(rq.loc(), err, msg("The change cannot be reverted: the rules refuse it now."))
			return ui.renderRevert(rq, http.StatusConflict, k, p, a)
		}
		return ui.fail(rq.c, rq, err)
	}
}

// renderRevert draws the revert page of p, with an alert if any.
func (ui *UI) renderRevert(rq *request, status int, k *kind, p *crm.RevertPlan, a *alert) error {
	id := p.Entry.ResourceID
	s, err := ui.summarize(rq, k, id)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	n := newNames(ui, rq)
	body := &revertBody{Title: s.Title, Href: ui.recordURL(k, id), HistoryHref: ui.historyURL(k, id), Action: ui.revertURL(k, id, p.Entry.ID),
		At: rq.loc().timeZone(p.Entry.At), Actor: n.actor(p.Entry), Version: p.Version, ChangedSince: p.ChangedSince, Noop: p.Noop, Alert: a,
		Table: table{Columns: []column{{Label: rq.T("Field")}, {Label: rq.T("Before the change (restored)")}, {Label: rq.T("Set by the change")},
			{Label: rq.T("Value now")}, {Label: rq.T("Changed since")}}}}
	for _, f := range p.Fields {
		since := cell{Text: rq.T("No"), Badge: "gray"}
		if f.ChangedSince {
			since = cell{Text: rq.T("Yes"), Badge: "amber"}
		}
		body.Table.Rows = append(body.Table.Rows, row{Cells: []cell{{Text: fieldLabelOf(rq.loc(), f.Field), Strong: true},
			{Text: n.auditValue(f.Field, f.Before)}, {Text: n.auditValue(f.Field, f.After)}, {Text: n.auditValue(f.Field, f.Current)}, since}})
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, k.path, rq.T("Revert a change of %s", s.Title), body)
	vw.Crumbs = append(ui.crumbs(rq, k, ""), crumb{Label: s.Title, Href: body.Href}, crumb{Label: rq.T("History"), Href: body.HistoryHref},
		crumb{Label: rq.T("Revert this change")})
	return ui.render(rq.c, status, "revert", vw)
}
