package web

import (
	"net/http"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// changesPath is the address of the global "Recent changes" page, under the UI's root.
const changesPath = "/changes"

// routeChanges mounts the Recent changes page.
func (ui *UI) routeChanges(g fiber.Router) {
	g.Get(changesPath, ui.protect(ui.recentChanges))
}

// canReadAudit tells whether the user may read the audit log (management, by default).
func canReadAudit(rq *request) bool { return rq.can(crm.ResourceAudit, crm.ActionRead) }

// changesBody is the content of the Recent changes page.
type changesBody struct {
	Table     table
	Filters   []field
	Active    int
	NextHref  string
	FirstHref string
	ResetHref string
}

// auditedActions are the actions an audit entry can record, in the order the filter offers them.
var auditedActions = []crm.Action{crm.ActionCreate, crm.ActionUpdate, crm.ActionDelete, crm.ActionAssign, crm.ActionSign}

// recentChanges lists the whole audit log, newest first, narrowed by resource, actor, action and
// a range of days (UTC days, as the page says), each row linking to the record's history. The
// service refuses (403 page) whoever may not read the audit log.
func (ui *UI) recentChanges(rq *request) error {
	q := newListQuery(rq.c)
	f := crm.AuditFilter{Resource: crm.Resource(q.str("resource")), Action: crm.Action(q.str("action")), ListOptions: q.options()}
	if id := q.id("actor"); id != nil {
		f.ActorID = *id
	}
	f.From, f.To = q.period("from", "to")
	f.Sort = "-id"
	if len(q.bad) > 0 {
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad request"), rq.T("The page could not be read."), q.bad...)
	}
	entries, next, err := ui.svc.ListAudit(rq.ctx, f)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	n := newNames(ui, rq)
	body := &changesBody{Active: q.active, ResetHref: ui.root + changesPath,
		Table: table{Columns: []column{{Label: rq.T("When")}, {Label: rq.T("Record")}, {Label: rq.T("Action")},
			{Label: rq.T("By")}, {Label: rq.T("Fields changed"), Numeric: true}},
			Empty: rq.T("No change matches these filters.")}}
	for _, e := range entries {
		rec := cell{Text: string(e.Resource) + " #" + strconv.FormatInt(e.ResourceID, 10)}
		if k := kindByResource(e.Resource); k != nil {
			rec.Text = rq.T(k.plural) + " #" + strconv.FormatInt(e.ResourceID, 10)
			rec.Href = ui.historyURL(k, e.ResourceID)
		}
		actor := n.actor(e)
		body.Table.Rows = append(body.Table.Rows, row{Cells: []cell{
			{Text: rq.loc().timeZone(e.At), Nowrap: true}, rec,
			{Text: rq.loc().enumLabel(string(e.Action)), Badge: actionBadge(e.Action)},
			{Text: actor.Label, Href: actor.Href}, {Text: strconv.Itoa(len(e.Changes)), Numeric: true},
		}})
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	actors, err := ui.actorOptions(rq, f.ActorID)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	body.Filters = []field{
		{Name: "resource", Label: rq.T("Record type"), Type: "select", Options: ui.resourceOptions(rq, f.Resource)},
		{Name: "actor", Label: rq.T("By"), Type: "select", Options: actors},
		{Name: "action", Label: rq.T("Action"), Type: "select", Options: actionOptions(rq, f.Action)},
		{Name: "from", Label: rq.T("From (day)"), Type: "date", Value: q.params.Get("from")},
		{Name: "to", Label: rq.T("To (day, included)"), Type: "date", Value: q.params.Get("to"),
			Help: rq.T("Days run from midnight to midnight UTC.")},
	}
	if next != "" {
		body.NextHref = q.with(ui.root+changesPath, "cursor", next)
	}
	if q.params.Get("cursor") != "" {
		body.FirstHref = q.with(ui.root+changesPath, "cursor", "")
	}
	return ui.render(rq.c, http.StatusOK, "changes", ui.newView(rq, "changes", rq.T("Recent changes"), body))
}

// kindByResource returns the kind of the UI that shows res, or nil.
func kindByResource(res crm.Resource) *kind {
	for _, k := range kinds {
		if k.res == res {
			return k
		}
	}
	return nil
}

// resourceOptions are the choices of the record type filter, cur selected.
func (ui *UI) resourceOptions(rq *request, cur crm.Resource) []option {
	out := []option{{Value: "", Label: rq.T("All")}}
	for _, k := range kinds {
		out = append(out, option{Value: string(k.res), Label: rq.T(k.plural), Selected: k.res == cur})
	}
	return out
}

// actionOptions are the choices of the action filter, cur selected.
func actionOptions(rq *request, cur crm.Action) []option {
	out := []option{{Value: "", Label: rq.T("All")}}
	for _, a := range auditedActions {
		out = append(out, option{Value: string(a), Label: rq.loc().enumLabel(string(a)), Selected: a == cur})
	}
	return out
}

// actorOptions are the choices of the actor filter: the system and the users (the first
// crm.MaxLimit by username), cur selected.
func (ui *UI) actorOptions(rq *request, cur int64) ([]option, error) {
	users, _, err := ui.svc.ListUsers(rq.ctx, crm.UserFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Sort: "username"}})
	if err != nil {
		return nil, err
	}
	out := []option{{Value: "", Label: rq.T("Anyone")}}
	for _, u := range users {
		out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Username, Selected: u.ID == cur})
	}
	return out, nil
}
