package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// summary is what the delete and history pages show of any record: its title, its version and
// what deleting it entails.
type summary struct {
	Title   string
	Version int64
	Warning string
}

// summarize reads a record of kind k through the service (ENOTFOUND outside the user's read
// scope).
func (ui *UI) summarize(rq *request, k *kind, id int64) (*summary, error) {
	switch k.res {
	case crm.ResourceClient:
		c, err := ui.svc.GetClient(rq.ctx, id)
		if err != nil {
			return nil, err
		}
		return &summary{Title: c.FullName(), Version: c.Version,
			Warning: rq.T("A client that still has contracts cannot be deleted: delete its contracts first.")}, nil
	case crm.ResourceContract:
		c, err := ui.svc.GetContract(rq.ctx, id)
		if err != nil {
			return nil, err
		}
		return &summary{Title: rq.T("Contract #%s", itoa(c.ID)), Version: c.Version,
			Warning: rq.T("A contract that still has events cannot be deleted: delete its events first.")}, nil
	case crm.ResourceEvent:
		e, err := ui.svc.GetEvent(rq.ctx, id)
		if err != nil {
			return nil, err
		}
		return &summary{Title: e.Name, Version: e.Version}, nil
	default:
		u, err := ui.svc.GetUser(rq.ctx, id)
		if err != nil {
			return nil, err
		}
		return &summary{Title: u.FullName() + " (" + u.Username + ")", Version: u.Version,
			Warning: rq.T("A user who is still the sales or support contact of records cannot be deleted: " +
				"deactivate them instead, or reassign their records first.")}, nil
	}
}

// remove deletes a record of kind k through the service.
func (ui *UI) remove(rq *request, k *kind, id, version int64) error {
	switch k.res {
	case crm.ResourceClient:
		return ui.svc.DeleteClient(rq.ctx, id, version)
	case crm.ResourceContract:
		return ui.svc.DeleteContract(rq.ctx, id, version)
	case crm.ResourceEvent:
		return ui.svc.DeleteEvent(rq.ctx, id, version)
	default:
		return ui.svc.DeleteUser(rq.ctx, id, version)
	}
}

// deleteBody is the content of a delete confirmation page.
type deleteBody struct {
	Question string
	Intro    string
	Title    string
	Href     string
	Action   string
	Version  int64
	Warning  string
	Alert    *alert
	// Blockers, when set, lists what refers to the record: the page then offers no deletion.
	Blockers *blockersBody
}

// deletePage asks to confirm the deletion of a record (GET); nothing is deleted on GET.
func (ui *UI) deletePage(k *kind) handler {
	return func(rq *request) error {
		id := paramID(rq)
		s, err := ui.summarize(rq, k, id)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		if !rq.canOn(k.res, crm.ActionDelete, id) {
			return ui.errorPage(rq.c, rq, http.StatusForbidden, rq.T("Not allowed"), rq.T(k.words.MayNotDelete))
		}
		return ui.renderDelete(rq, http.StatusOK, k, id, s, s.Version, nil)
	}
}

func (ui *UI) renderDelete(rq *request, status int, k *kind, id int64, s *summary, version int64, a *alert) error {
	body := &deleteBody{Question: rq.T(k.words.DeleteQuestion), Intro: rq.T(k.words.DeleteIntro), Title: s.Title, Href: ui.recordURL(k, id), Action: ui.deleteURL(k, id),
		Version: version, Warning: s.Warning, Alert: a}
	var err error
	if body.Blockers, err = ui.deleteBlockers(rq, k, id); err != nil {
		return ui.fail(rq.c, rq, err)
	}
	vw := ui.newView(rq, k.path, rq.T("Delete %s", s.Title), body)
	vw.Crumbs = append(ui.crumbs(rq, k, ""), crumb{Label: s.Title, Href: ui.recordURL(k, id)}, crumb{Label: rq.T("Delete")})
	return ui.render(rq.c, status, "delete", vw)
}

// deleteRecord deletes a record (POST) and returns to the list; a refusal because of related
// records or a concurrent change is shown on the confirmation page.
func (ui *UI) deleteRecord(k *kind) handler {
	return func(rq *request) error {
		id := paramID(rq)
		s, err := ui.summarize(rq, k, id)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		version := newForm(rq.c).version()
		err = ui.remove(rq, k, id, version)
		switch crm.ErrorCode(err) {
		case "":
			ui.setFlash(rq.c, k.path+"-deleted")
			return rq.c.Redirect(ui.listURL(k), http.StatusSeeOther)
		case crm.ECONFLICT:
			return ui.renderDelete(rq, http.StatusConflict, k, id, s, version,
				&alert{Kind: "danger", Title: rq.T(k.words.CannotDelete), Text: domainText(rq.loc(), err, msg("The record is still referenced by others."))})
		case crm.EPRECONDITION:
			return ui.renderDelete(rq, http.StatusPreconditionFailed, k, id, s, version,
				&alert{Kind: "warning", Title: rq.T(k.words.ChangedMeanwhile),
					Text: rq.T("Nothing was deleted. Review the latest version before deleting it."), Reload: ui.recordURL(k, id)})
		}
		return ui.fail(rq.c, rq, err)
	}
}

// historyBody is the content of a record's history page.
type historyBody struct {
	Title     string
	Href      string
	Entries   []historyEntry
	NextHref  string
	FirstHref string
}

// historyEntry is one change of a record.
type historyEntry struct {
	At      string
	Actor   ref
	Action  string
	Badge   string
	Changes []change
	Created bool // a creation: only the new values mean something
	Deleted bool // a deletion: only the old values mean something
	// RevertHref is the "Revert this change" page of the entry, when it can be reverted (revert.go).
	RevertHref string
}

// change is one field's change: from Old to New.
type change struct {
	Field string
	Old   string
	New   string
}

// history shows the audit log of one record, newest first: only for those who may read the
// audit log (a 403 page for the others, a 404 page for a record out of reach).
func (ui *UI) history(k *kind) handler {
	return func(rq *request) error {
		id := paramID(rq)
		s, err := ui.summarize(rq, k, id)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		q := newListQuery(rq.c)
		opts := q.options()
		opts.Sort = "-id"
		if len(q.bad) > 0 {
			return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad request"), rq.T("The page could not be read."), q.bad...)
		}
		entries, next, err := ui.svc.ListAudit(rq.ctx, crm.AuditFilter{Resource: k.res, ResourceID: id, ListOptions: opts})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		n := newNames(ui, rq)
		body := &historyBody{Title: s.Title, Href: ui.recordURL(k, id)}
		for _, e := range entries {
			he := historyEntry{At: rq.loc().timeZone(e.At), Action: rq.loc().enumLabel(string(e.Action)), Badge: actionBadge(e.Action),
				Created: e.Action == crm.ActionCreate, Deleted: e.Action == crm.ActionDelete}
			he.Actor = n.actor(e)
			he.RevertHref = ui.revertHref(rq, k, e)
			fields := make([]string, 0, len(e.Changes))
			for f := range e.Changes {
				fields = append(fields, f)
			}
			sort.Strings(fields)
			for _, f := range fields {
				ch := e.Changes[f]
				he.Changes = append(he.Changes, change{Field: fieldLabelOf(rq.loc(), f), Old: n.auditValue(f, ch[0]), New: n.auditValue(f, ch[1])})
			}
			body.Entries = append(body.Entries, he)
		}
		if n.err != nil {
			return ui.fail(rq.c, rq, n.err)
		}
		if next != "" {
			body.NextHref = q.with(ui.historyURL(k, id), "cursor", next)
		}
		if q.params.Get("cursor") != "" {
			body.FirstHref = ui.historyURL(k, id)
		}
		vw := ui.newView(rq, k.path, rq.T("History of %s", s.Title), body)
		vw.Crumbs = append(ui.crumbs(rq, k, ""), crumb{Label: s.Title, Href: ui.recordURL(k, id)}, crumb{Label: rq.T("History")})
		return ui.render(rq.c, http.StatusOK, "history", vw)
	}
}

// actor names who made a change as they were at that moment (the entry's snapshot of their name
// and username), not as they are called now, linked to their record when the viewer may open
// it. An entry without a snapshot (its user was deleted before snapshots were kept) falls back to
// what is known of the user now.
func (n *names) actor(e *crm.AuditEntry) ref {
	if e.ActorID == 0 {
		return ref{Label: n.rq.T("System")}
	}
	now := n.user(&e.ActorID)
	if e.ActorUsername == "" && e.ActorName == "" {
		return now
	}
	label := e.ActorName
	switch {
	case label == "":
		label = e.ActorUsername
	case e.ActorUsername != "" && e.ActorUsername != label:
		label += " (" + e.ActorUsername + ")"
	}
	return ref{Label: label, Href: now.Href}
}

// actionBadge gives each audited action its colour.
func actionBadge(a crm.Action) string {
	switch a {
	case crm.ActionCreate:
		return "green"
	case crm.ActionDelete:
		return "red"
	case crm.ActionSign:
		return "violet"
	case crm.ActionAssign:
		return "teal"
	}
	return "blue"
}

// fieldLabel turns a field name into words: "sales_contact_id" -> "Sales contact".
func fieldLabel(f string) string {
	return capitalize(strings.ReplaceAll(strings.TrimSuffix(f, "_id"), "_", " "))
}

// fieldLabelOf names a field of the domain in the locale's language ("sales_contact_id" is
// "Sales contact"). A field the catalogue does not name (fieldLabels) keeps its English words,
// and is never read as a format.
func fieldLabelOf(l *locale, f string) string {
	label := fieldLabel(f)
	if slices.Contains(fieldLabels, label) {
		return l.T(label)
	}
	return label
}

var fieldLabels = []string{msg("First name"), msg("Last name"), msg("Email"), msg("Phone"), msg("Mobile"), msg("Company"),
	msg("Status"), msg("Sales contact"), msg("Client"), msg("Amount"), msg("Amount due"), msg("Payment due"), msg("Name"),
	msg("Event date"), msg("End date"), msg("Location"), msg("Attendees"), msg("Notes"), msg("Support contact"),
	msg("Contract"), msg("Username"), msg("Role"), msg("Is active"), msg("Password"), msg("Current password"),
	msg("Signed at"), msg("Date created"), msg("Date updated"), msg("Date joined"), msg("Last login"), msg("Sort"),
	msg("Cursor"), msg("Language"), msg("Time zone"), msg("Theme"), msg("Resource")}

// domainText is the message of a domain error for an alert, in the locale's language (see
// locale.errorSentence, which shows generic before a message it cannot translate).
func domainText(l *locale, err error, generic string) string { return l.errorSentence(err, generic) }

// auditValue shows a value of the audit log as text: times in the UTC display format, statuses
// and roles capitalized, the ids of users, clients and contracts as their names.
func (n *names) auditValue(field string, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return n.rq.T("Yes")
		}
		return n.rq.T("No")
	case string:
		if x == "" {
			return n.rq.T("(empty)")
		}
		if t, err := time.Parse(time.RFC3339, x); err == nil {
			return n.rq.loc().timeZone(t)
		}
		if field == "status" || field == "role" {
			return n.rq.loc().enumLabel(x)
		}
		return x
	case float64:
		v = strconv.FormatFloat(x, 'f', -1, 64)
	}
	s := fmt.Sprint(v)
	id, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || id <= 0:
		return s
	case strings.HasSuffix(field, "_contact_id"):
		return n.user(&id).Label
	case field == "client_id":
		return n.client(id).full()
	case field == "contract_id":
		return n.contract(id).Label
	}
	return s
}
