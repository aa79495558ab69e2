package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
)

func (ui *UI) routeEvents(g fiber.Router) {
	p := "/" + kindEvent.path
	g.Get(p, ui.protect(ui.eventList))
	g.Get(p+"/new", ui.protect(ui.eventNew))
	g.Post(p+"/new", ui.protect(ui.eventCreate))
	g.Get(p+"/:id<int>", ui.protect(ui.eventShow))
	g.Post(p+"/:id<int>", ui.protect(ui.eventUpdate))
	g.Get(p+"/:id<int>/delete", ui.protect(ui.deletePage(kindEvent)))
	g.Post(p+"/:id<int>/delete", ui.protect(ui.deleteRecord(kindEvent)))
	g.Get(p+"/:id<int>/history", ui.protect(ui.history(kindEvent)))
}

// eventList is the list of events: search by name or location, the API's filters, sortable
// columns and keyset paging. Its from and to are days (UTC), both included, where the API takes
// instants.
func (ui *UI) eventList(rq *request) error {
	q := newListQuery(rq.c)
	from, to := q.period("from", "to")
	f := crm.EventFilter{
		From: from, To: to,
		Q: q.str("q"), ContractID: q.id("contract_id"), ClientID: q.id("client_id"), ClientFirstName: q.str("client_first_name"),
		ClientEmail: q.str("client_email"), SalesContactID: q.id("sales_contact_id"), SupportContactID: q.id("support_contact_id"),
		Unassigned: q.flag("unassigned"), EventDate: q.date("event_date"), Status: crm.EventStatus(q.str("status")),
		ListOptions: q.options(),
	}
	if len(q.bad) > 0 {
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad filter"), rq.T("Some filters could not be read."), q.bad...)
	}
	if csv, bom := exporting(rq); csv {
		return exportList(ui, rq, "events", csvsafe.EventColumns, bom, &f.ListOptions,
			func(ctx context.Context) ([]*crm.Event, string, error) { return ui.svc.ListEvents(ctx, f) })
	}
	items, next, total, err := fetch(rq.ctx, f, ui.svc.ListEvents, ui.svc.CountEvents)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	base := ui.listURL(kindEvent)
	n := newNames(ui, rq)
	body := &listBody{Plural: rq.T(kindEvent.plural), NewLabel: rq.T(kindEvent.words.New), SearchAria: rq.T(kindEvent.words.Search), SearchLabel: rq.T("Search name or location")}
	if rq.can(crm.ResourceEvent, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindEvent)
	}
	body.Table = ui.eventTable(rq, n, items, q, base)
	ui.withBulk(rq, n, kindEvent, body)
	body.Table.Empty = rq.T("No events match. Try another search, or reset the filters.")
	body.Filters = []field{
		selectFilter(rq.loc(), "status", msg("Status"), string(f.Status), "open", msg("Open"), "closed", msg("Closed")),
		{Name: "unassigned", Label: rq.T("Without support only"), Type: "checkbox", Value: "true", Checked: f.Unassigned},
		{Name: "event_date", Label: rq.T("On the day"), Type: "date", Value: q.params.Get("event_date")},
		{Name: "from", Label: rq.T("From"), Type: "date", Value: q.params.Get("from")},
		{Name: "to", Label: rq.T("To"), Type: "date", Value: q.params.Get("to"), Help: rq.T("Days in UTC, both included.")},
		{Name: "client_first_name", Label: rq.T("Client first name"), Type: "text", Value: f.ClientFirstName},
		{Name: "client_email", Label: rq.T("Client email"), Type: "text", Value: f.ClientEmail},
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		body.Filters = append(body.Filters, field{Name: "support_contact_id", Label: rq.T("Support contact"), Type: "select",
			Options: n.userOptions(crm.RoleSupport, idString(f.SupportContactID), rq.T("Any"))})
	}
	for _, p := range []struct {
		name string
		id   *int64
		ref  func(int64) ref
	}{{"contract_id", f.ContractID, n.contract}, {"client_id", f.ClientID, n.client}} {
		if p.id != nil {
			body.Filters = append(body.Filters, field{Name: p.name, Label: strings.TrimSuffix(titleCase(p.name), "_id"), Type: "select",
				Options: []option{{Value: "", Label: rq.T("Any")}, {Value: idString(p.id), Label: p.ref(*p.id).full(), Selected: true}}})
		}
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindEvent.path, rq.T("Events"), body))
}

// eventTable lays out events as table rows. q, when set, makes the headers sortable.
func (ui *UI) eventTable(rq *request, n *names, items []*crm.Event, q *listQuery, base string) table {
	col := func(label, key string, numeric bool) column {
		if q == nil {
			return column{Label: label, Numeric: numeric}
		}
		return q.column(base, label, key, numeric)
	}
	t := table{Columns: []column{
		col(rq.T("Event"), "name", false), col(rq.T("Client"), "", false), col(rq.T("Date"), "event_date", false), col(rq.T("Location"), "", false),
		col(rq.T("Attendees"), "attendees", true), col(rq.T("Support"), "", false), col(rq.T("Status"), "status", false),
	}}
	var support []*int64
	var clients []int64
	for _, e := range items {
		support, clients = append(support, e.SupportContactID), append(clients, e.ClientID)
	}
	n.prefetch(support, clients, nil)
	for _, e := range items {
		client := n.client(e.ClientID)
		support := cell{Text: rq.T("Unassigned"), Badge: "amber"}
		if e.SupportContactID != nil {
			r := n.user(e.SupportContactID)
			support = cell{Text: r.Label, Href: r.Href}
		}
		t.Rows = append(t.Rows, row{ID: e.ID, Cells: []cell{
			{Text: e.Name, Href: ui.recordURL(kindEvent, e.ID), Strong: true},
			client.cell(),
			{Text: rq.loc().time(e.EventDate), Nowrap: true},
			{Text: e.Location},
			{Text: itoa(int64(e.Attendees)), Numeric: true},
			support,
			{Text: rq.loc().enumLabel(string(e.Status)), Badge: eventStatusBadge(e.Status)},
		}})
	}
	return t
}

// eventValues are an event's form values.
func eventValues(l *locale, e *crm.Event) values {
	v := values{
		"contract_id": itoa(e.ContractID), "name": e.Name, "event_date": l.inputTime(e.EventDate), "end_date": "",
		"location": e.Location, "attendees": itoa(int64(e.Attendees)), "notes": e.Notes, "status": string(e.Status),
		"support_contact_id": idString(e.SupportContactID),
	}
	if e.EndDate != nil {
		v["end_date"] = l.inputTime(*e.EndDate)
	}
	return v
}

// eventFields are the fields of the event form the user may set: the contract only on
// creation, the status only afterwards, the support contact only for those who may assign it.
func (ui *UI) eventFields(rq *request, n *names, v values, errs formErrors, creating bool) *fieldSet {
	fs := &fieldSet{values: v, errs: errs}
	if creating {
		fs.add(field{Name: "contract_id", Label: rq.T("Contract"), Type: "select", Required: true, Wide: true,
			Options: ui.contractOptions(rq, n, v["contract_id"]), Help: rq.T("Events are organised under a signed contract.")})
	}
	fs.add(field{Name: "name", Label: rq.T("Event name"), Type: "text", Required: true, Wide: true, Autocomplete: "off"})
	fs.add(field{Name: "event_date", Label: rq.T("Starts"), Type: "datetime-local", Required: true})
	fs.add(field{Name: "end_date", Label: rq.T("Ends"), Type: "datetime-local"})
	fs.add(field{Name: "location", Label: rq.T("Location"), Type: "text", Wide: true, Autocomplete: "off"})
	fs.add(field{Name: "attendees", Label: rq.T("Attendees"), Type: "number", Min: "0", Step: "1"})
	if !creating {
		fs.add(field{Name: "status", Label: rq.T("Status"), Type: "select", Options: []option{
			{Value: "open", Label: rq.T("Open")}, {Value: "closed", Label: rq.T("Closed")}}})
	}
	if rq.can(crm.ResourceEvent, crm.ActionAssign) {
		fs.add(field{Name: "support_contact_id", Label: rq.T("Support contact"), Type: "select",
			Options: n.userOptions(crm.RoleSupport, v["support_contact_id"], rq.T("Unassigned")),
			Help:    rq.T("The support team member who runs the event.")})
	}
	fs.add(field{Name: "notes", Label: rq.T("Notes"), Type: "textarea", Wide: true})
	return fs
}

// contractOptions lists the signed contracts the user can read, most recent first, as choices
// for a new event.
func (ui *UI) contractOptions(rq *request, n *names, current string) []option {
	opts := []option{{Value: "", Label: rq.T("Choose a signed contract…")}}
	ks, _, err := ui.svc.ListContracts(rq.ctx, crm.ContractFilter{Status: crm.ContractSigned,
		ListOptions: crm.ListOptions{Limit: 100, Sort: "-date_created"}})
	n.keep(err)
	found := current == ""
	for _, k := range ks {
		opts = append(opts, option{Value: itoa(k.ID), Label: rq.T("Contract #%s", itoa(k.ID)) + " · " + n.client(k.ClientID).full() +
			" · " + rq.loc().money(k.Amount)})
		found = found || itoa(k.ID) == current
	}
	if !found {
		opts = append(opts, option{Value: current, Label: rq.T("Contract #%s", current)})
	}
	return opts
}

// eventInput reads the event form.
func eventInput(f *form) crm.EventInput {
	in := crm.EventInput{
		Name: f.str("name"), EventDate: f.when("event_date"), EndDate: f.whenPtr("end_date"), Location: f.str("location"),
		Attendees: f.count("attendees"), Notes: f.str("notes"), SupportContactID: f.id("support_contact_id"),
		Status: strOpt[crm.EventStatus](f.str("status")),
	}
	if posted(f.c, "contract_id") {
		in.ContractID = f.requiredID("contract_id")
	}
	return in
}

// eventNew shows the form of a new event, for the contract named by ?contract_id= if any.
func (ui *UI) eventNew(rq *request) error {
	if !rq.can(crm.ResourceEvent, crm.ActionCreate) {
		return ui.errorPage(rq.c, rq, http.StatusForbidden, rq.T("Not allowed"), rq.T("You may not create events."))
	}
	v := values{"contract_id": strings.TrimSpace(rq.c.Query("contract_id")), "attendees": "0"}
	return ui.eventForm(rq, http.StatusOK, v, formErrors{}, nil)
}

func (ui *UI) eventForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	n := newNames(ui, rq)
	fs := ui.eventFields(rq, n, v, errs, true)
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
		a.Text += " " + joinSentences(extra)
	}
	body := &recordBody{Heading: rq.T("New event"), Sub: rq.T("Plan an event for a signed contract."),
		Form: &formBody{Action: ui.newURL(kindEvent), Fields: fs.fields, Submit: rq.T("Create event"), Cancel: ui.listURL(kindEvent), Alert: a}}
	vw := ui.newView(rq, kindEvent.path, rq.T("New event"), body)
	vw.Crumbs = ui.crumbs(rq, kindEvent, rq.T("New"))
	return ui.render(rq.c, status, "record", vw)
}

// eventCreate creates an event from the form.
func (ui *UI) eventCreate(rq *request) error {
	f := newForm(rq.c)
	in := eventInput(f)
	if len(f.errs) > 0 {
		return ui.eventForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure(rq.loc()))
	}
	e, err := ui.svc.CreateEvent(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.eventForm(rq, status, f.values(), errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "events-created")
	return rq.c.Redirect(ui.recordURL(kindEvent, e.ID), http.StatusSeeOther)
}

// eventShow shows an event, with its form when the user may change it.
func (ui *UI) eventShow(rq *request) error {
	e, err := ui.svc.GetEvent(rq.ctx, paramID(rq))
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.eventPage(rq, http.StatusOK, e, eventValues(rq.loc(), e), formErrors{}, nil, e.Version)
}

func (ui *UI) eventPage(rq *request, status int, e *crm.Event, v values, errs formErrors, a *alert, version int64) error {
	n := newNames(ui, rq)
	client := n.client(e.ClientID)
	contract := n.contract(e.ContractID)
	sales := n.user(e.SalesContactID)
	support := fact{Label: rq.T("Support contact"), Text: rq.T("Unassigned"), Badge: "amber"}
	if e.SupportContactID != nil {
		r := n.user(e.SupportContactID)
		support = fact{Label: rq.T("Support contact"), Text: r.Label, Href: r.Href}
	}
	body := &recordBody{
		Heading: e.Name, Sub: rq.loc().timeZone(e.EventDate) + " · " + orDash(e.Location),
		Badges: []cell{{Text: rq.loc().enumLabel(string(e.Status)), Badge: eventStatusBadge(e.Status)}},
		Facts: []fact{
			{Label: rq.T("Client"), Text: client.full(), Href: client.Href},
			{Label: rq.T("Contract"), Text: contract.Label, Href: contract.Href},
			{Label: rq.T("Sales contact"), Text: sales.Label, Href: sales.Href},
			support,
			{Label: rq.T("Created"), Text: rq.loc().time(e.DateCreated)},
			{Label: rq.T("Last updated"), Text: rq.loc().time(e.DateUpdated)},
		},
		Actions: ui.recordActions(rq, kindEvent, e.ID),
	}
	if e.SupportContactID == nil {
		body.Badges = append(body.Badges, cell{Text: rq.T("Needs support"), Badge: "amber"})
	}
	if rq.canOn(crm.ResourceEvent, crm.ActionUpdate, e.ID) {
		fs := ui.eventFields(rq, n, v, errs, false)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		body.Form = &formBody{Action: ui.recordURL(kindEvent, e.ID), Fields: fs.fields, Version: version,
			Submit: rq.T("Save changes"), Cancel: ui.listURL(kindEvent), Alert: a}
	} else {
		body.Note = rq.T("You can view this event but not change it.")
		body.Readonly = []fact{
			{Label: rq.T("Starts"), Text: rq.loc().timeZone(e.EventDate)}, {Label: rq.T("Ends"), Text: rq.loc().timePtr(e.EndDate)},
			{Label: rq.T("Location"), Text: orDash(e.Location)}, {Label: rq.T("Attendees"), Text: itoa(int64(e.Attendees))},
			{Label: rq.T("Notes"), Text: orDash(e.Notes)},
		}
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, kindEvent.path, e.Name, body)
	vw.Crumbs = ui.crumbs(rq, kindEvent, e.Name)
	return ui.render(rq.c, status, "record", vw)
}

// eventUpdate saves the event form; management assigns the support contact here.
func (ui *UI) eventUpdate(rq *request) error {
	id := paramID(rq)
	e, err := ui.svc.GetEvent(rq.ctx, id)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	f := newForm(rq.c)
	f.prev["event_date"] = e.EventDate
	if e.EndDate != nil {
		f.prev["end_date"] = *e.EndDate
	}
	in := eventInput(f)
	version := f.version()
	if len(f.errs) > 0 {
		return ui.eventPage(rq, http.StatusUnprocessableEntity, e, f.values(), f.errs, parseFailure(rq.loc()), version)
	}
	if _, err := ui.svc.UpdateEvent(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ui.recordURL(kindEvent, id)); ok {
			return ui.eventPage(rq, status, e, f.values(), errs, a, version)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "events-saved")
	return rq.c.Redirect(ui.recordURL(kindEvent, id), http.StatusSeeOther)
}
