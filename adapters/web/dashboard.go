package web

import (
	"net/http"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// dashBody is the content of the dashboard: a card per count and a panel per work list.
type dashBody struct {
	Greeting string
	Intro    string
	Stats    []stat
	Panels   []table
}

// stat is a dashboard card: a count that links to the matching list.
type stat struct {
	Label string
	Value string
	Hint  string
	Href  string
	Icon  string
	Tone  string // the card's accent colour
}

// panelRows is how many rows a dashboard panel shows.
const panelRows = 5

// dashboard is the home page: counts of what the user may see and the lists that need them:
// their clients (sales), unsigned and unpaid contracts, events without support (those who
// assign support) and their upcoming events (support).
func (ui *UI) dashboard(rq *request) error {
	ctx := rq.ctx
	body := &dashBody{Greeting: rq.T("Welcome back, %s", firstName(rq.actor)), Intro: roleIntro(rq, rq.actor.Role)}
	n := newNames(ui, rq)
	me := rq.actor.ID

	for _, c := range []struct {
		show  bool
		stat  stat
		count func() (int, error)
	}{
		{rq.can(crm.ResourceClient, crm.ActionRead),
			stat{Label: rq.T("Clients"), Hint: rq.T("you can see"), Href: ui.listURL(kindClient), Icon: kindClient.icon, Tone: "indigo"},
			func() (int, error) { return ui.svc.CountClients(ctx, crm.ClientFilter{}) }},
		{rq.can(crm.ResourceContract, crm.ActionRead),
			stat{Label: rq.T("Contracts"), Hint: rq.T("you can see"), Href: ui.listURL(kindContract), Icon: kindContract.icon, Tone: "blue"},
			func() (int, error) { return ui.svc.CountContracts(ctx, crm.ContractFilter{}) }},
		{rq.can(crm.ResourceEvent, crm.ActionRead),
			stat{Label: rq.T("Events"), Hint: rq.T("you can see"), Href: ui.listURL(kindEvent), Icon: kindEvent.icon, Tone: "teal"},
			func() (int, error) { return ui.svc.CountEvents(ctx, crm.EventFilter{}) }},
		{rq.canAll(crm.ResourceUser, crm.ActionRead),
			stat{Label: rq.T("Active users"), Hint: rq.T("in the team"), Href: ui.listURL(kindUser) + "?is_active=true", Icon: kindUser.icon, Tone: "violet"},
			func() (int, error) { return ui.svc.CountUsers(ctx, crm.UserFilter{IsActive: crm.Ptr(true)}) }},
	} {
		if !c.show {
			continue
		}
		total, err := c.count()
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		c.stat.Value = strconv.Itoa(total)
		body.Stats = append(body.Stats, c.stat)
	}

	if hasScope(rq, crm.ResourceClient, crm.ScopeOwn) {
		items, _, err := ui.svc.ListClients(ctx, crm.ClientFilter{SalesContactID: &me,
			ListOptions: crm.ListOptions{Limit: panelRows, Sort: "-date_updated"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.clientTable(rq, n, items, nil, "")
		t.Columns, t.Rows = pick(t, 0, 1, 3)
		t.Title, t.Empty = rq.T("My clients"), rq.T("You have no clients yet.")
		t.More = &ref{Label: rq.T("All my clients"), Href: ui.listURL(kindClient) + "?sales_contact_id=" + itoa(me)}
		body.Panels = append(body.Panels, t)
	}
	if hasScope(rq, crm.ResourceContract, crm.ScopeAny) || hasScope(rq, crm.ResourceContract, crm.ScopeOwn) {
		for _, p := range []struct {
			title, empty, more string
			f                  crm.ContractFilter
		}{
			{msg("Unsigned contracts"), msg("Every contract is signed."), "?status=open",
				crm.ContractFilter{Status: crm.ContractOpen, ListOptions: crm.ListOptions{Limit: panelRows, Sort: "-date_created"}}},
			{msg("Unpaid contracts"), msg("Every contract is paid."), "?unpaid=true&sort=-amount_due",
				crm.ContractFilter{Unpaid: true, ListOptions: crm.ListOptions{Limit: panelRows, Sort: "-amount_due"}}},
		} {
			items, _, err := ui.svc.ListContracts(ctx, p.f)
			if err != nil {
				return ui.fail(rq.c, rq, err)
			}
			t := ui.contractTable(rq, n, items, nil, "")
			t.Columns, t.Rows = pick(t, 0, 1, 3, 4)
			t.Title, t.Empty = rq.T(p.title), rq.T(p.empty)
			t.More = &ref{Label: rq.T("View all"), Href: ui.listURL(kindContract) + p.more}
			body.Panels = append(body.Panels, t)
		}
	}
	if rq.can(crm.ResourceEvent, crm.ActionAssign) {
		items, _, err := ui.svc.ListEvents(ctx, crm.EventFilter{Unassigned: true, Status: crm.EventOpen,
			ListOptions: crm.ListOptions{Limit: panelRows, Sort: "event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, items, nil, "")
		t.Columns, t.Rows = pick(t, 0, 1, 2, 5)
		t.Title, t.Empty = rq.T("Events without support"), rq.T("Every open event has a support contact.")
		t.More = &ref{Label: rq.T("View all"), Href: ui.listURL(kindEvent) + "?unassigned=true&status=open&sort=event_date"}
		body.Panels = append(body.Panels, t)
	}
	if hasScope(rq, crm.ResourceEvent, crm.ScopeAssigned) {
		now := ui.now()
		upcoming, _, err := ui.svc.ListEvents(ctx, crm.EventFilter{SupportContactID: &me, Status: crm.EventOpen, From: &now,
			ListOptions: crm.ListOptions{Limit: panelRows, Sort: "event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, upcoming, nil, "")
		t.Columns, t.Rows = pick(t, 0, 1, 2, 3, 4)
		t.Title, t.Empty = rq.T("My upcoming events"), rq.T("No upcoming events are assigned to you.")
		t.More = &ref{Label: rq.T("All my upcoming events"), Href: ui.listURL(kindEvent) + "?support_contact_id=" + itoa(me) +
			"&status=open&from=" + crm.DateOf(now).String() + "&sort=event_date"}
		body.Panels = append(body.Panels, t)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, "dashboard", rq.T("Dashboard"), body)
	return ui.render(rq.c, http.StatusOK, "dashboard", vw)
}

// hasScope reports whether the user reads res with scope sc.
func hasScope(rq *request, res crm.Resource, sc crm.Scope) bool {
	for _, s := range rq.perms[res][crm.ActionRead] {
		if s == sc {
			return true
		}
	}
	return false
}

// pick keeps only some columns of a table, for the narrow dashboard panels.
func pick(t table, cols ...int) ([]column, []row) {
	var cs []column
	for _, i := range cols {
		cs = append(cs, t.Columns[i])
	}
	rows := make([]row, 0, len(t.Rows))
	for _, r := range t.Rows {
		var cells []cell
		for _, i := range cols {
			cells = append(cells, r.Cells[i])
		}
		rows = append(rows, row{Cells: cells})
	}
	return cs, rows
}

// firstName is how the dashboard greets a user.
func firstName(u *crm.User) string {
	if u.FirstName != "" {
		return u.FirstName
	}
	return u.Username
}

// roleIntro says in a sentence what the dashboard shows to each team.
func roleIntro(rq *request, r crm.Role) string {
	switch r {
	case crm.RoleManagement:
		return rq.T("Here is where the business stands: contracts to sign or collect, and events that still need a support contact.")
	case crm.RoleSales:
		return rq.T("Here are your clients and the contracts that still need a signature or a payment.")
	case crm.RoleSupport:
		return rq.T("Here are the events you run. Keep their details up to date for the team.")
	}
	return rq.T("Here is what you can see in the CRM.")
}
