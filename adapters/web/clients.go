package web

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
)

func (ui *UI) routeClients(g fiber.Router) {
	p := "/" + kindClient.path
	g.Get(p, ui.protect(ui.clientList))
	g.Get(p+"/new", ui.protect(ui.clientNew))
	g.Post(p+"/new", ui.protect(ui.clientCreate))
	g.Get(p+"/:id<int>", ui.protect(ui.clientShow))
	g.Post(p+"/:id<int>", ui.protect(ui.clientUpdate))
	g.Get(p+"/:id<int>/delete", ui.protect(ui.deletePage(kindClient)))
	g.Post(p+"/:id<int>/delete", ui.protect(ui.deleteRecord(kindClient)))
	g.Get(p+"/:id<int>/history", ui.protect(ui.history(kindClient)))
}

// clientList is the list of clients: search by name, email or company, filters of the API,
// sortable columns and keyset paging.
func (ui *UI) clientList(rq *request) error {
	q := newListQuery(rq.c)
	f := crm.ClientFilter{
		Q: q.str("q"), FirstName: q.str("first_name"), LastName: q.str("last_name"), Email: q.str("email"),
		Company: q.str("company"), Status: crm.ClientStatus(q.str("status")), SalesContactID: q.id("sales_contact_id"),
		ListOptions: q.options(),
	}
	if len(q.bad) > 0 {
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad filter"), rq.T("Some filters could not be read."), q.bad...)
	}
	if csv, bom := exporting(rq); csv {
		return exportList(ui, rq, "clients", csvsafe.ClientColumns, bom, &f.ListOptions,
			func(ctx context.Context) ([]*crm.Client, string, error) { return ui.svc.ListClients(ctx, f) })
	}
	items, next, total, err := fetch(rq.ctx, f, ui.svc.ListClients, ui.svc.CountClients)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	base := ui.listURL(kindClient)
	n := newNames(ui, rq)
	body := &listBody{Plural: rq.T(kindClient.plural), NewLabel: rq.T(kindClient.words.New), SearchAria: rq.T(kindClient.words.Search), SearchLabel: rq.T("Search name, email or company")}
	if rq.can(crm.ResourceClient, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindClient)
	}
	body.ImportHref = ui.importHref(rq, clientImporter)
	body.Table = ui.clientTable(rq, n, items, q, base)
	ui.withBulk(rq, n, kindClient, body)
	body.Table.Empty = rq.T("No clients match. Try another search, or reset the filters.")
	body.Filters = []field{
		selectFilter(rq.loc(), "status", msg("Status"), string(f.Status), "potential", msg("Potential"), "existing", msg("Existing")),
		{Name: "first_name", Label: rq.T("First name"), Type: "text", Value: f.FirstName},
		{Name: "last_name", Label: rq.T("Last name"), Type: "text", Value: f.LastName},
		{Name: "email", Label: rq.T("Email contains"), Type: "text", Value: f.Email},
		{Name: "company", Label: rq.T("Company contains"), Type: "text", Value: f.Company},
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		sel := field{Name: "sales_contact_id", Label: rq.T("Sales contact"), Type: "select",
			Options: n.userOptions(crm.RoleSales, idString(f.SalesContactID), rq.T("Any"))}
		body.Filters = append(body.Filters, sel)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindClient.path, rq.T("Clients"), body))
}

// clientTable lays out clients as table rows. q, when set, makes the headers sortable.
func (ui *UI) clientTable(rq *request, n *names, items []*crm.Client, q *listQuery, base string) table {
	col := func(label, key string) column {
		if q == nil {
			return column{Label: label}
		}
		return q.column(base, label, key, false)
	}
	t := table{Columns: []column{
		col(rq.T("Name"), "last_name"), col(rq.T("Company"), "company"), col(rq.T("Phone"), ""),
		col(rq.T("Status"), "status"), col(rq.T("Sales contact"), ""), col(rq.T("Updated"), "date_updated"),
	}}
	var sales []*int64
	for _, c := range items {
		sales = append(sales, c.SalesContactID)
	}
	n.prefetch(sales, nil, nil)
	for _, c := range items {
		sales := n.user(c.SalesContactID)
		phone := c.Phone
		if phone == "" {
			phone = c.Mobile
		}
		t.Rows = append(t.Rows, row{ID: c.ID, Cells: []cell{
			{Text: c.FullName(), Href: ui.recordURL(kindClient, c.ID), Strong: true, Sub: c.Email},
			{Text: c.Company},
			{Text: phone, Nowrap: true},
			{Text: rq.loc().enumLabel(string(c.Status)), Badge: clientStatusBadge(c.Status)},
			{Text: sales.Label, Href: sales.Href},
			{Text: rq.loc().day(c.DateUpdated), Nowrap: true},
		}})
	}
	return t
}

// clientValues are a client's form values.
func clientValues(c *crm.Client) values {
	return values{
		"first_name": c.FirstName, "last_name": c.LastName, "email": c.Email, "phone": c.Phone,
		"mobile": c.Mobile, "company": c.Company, "status": string(c.Status),
		"sales_contact_id": idString(c.SalesContactID),
	}
}

// clientFields are the fields of the client form that the user may set: the sales contact only
// for those who may assign contacts.
func (ui *UI) clientFields(rq *request, n *names, v values, errs formErrors) *fieldSet {
	fs := &fieldSet{values: v, errs: errs}
	fs.add(field{Name: "first_name", Label: rq.T("First name"), Type: "text", Required: true, Autocomplete: "off"})
	fs.add(field{Name: "last_name", Label: rq.T("Last name"), Type: "text", Required: true, Autocomplete: "off"})
	fs.add(field{Name: "email", Label: rq.T("Email"), Type: "email", Required: true, Autocomplete: "off",
		Placeholder: "name@company.com"})
	fs.add(field{Name: "company", Label: rq.T("Company"), Type: "text", Autocomplete: "off"})
	fs.add(field{Name: "phone", Label: rq.T("Phone"), Type: "tel", Autocomplete: "off", Placeholder: "+33 1 23 45 67 89"})
	fs.add(field{Name: "mobile", Label: rq.T("Mobile"), Type: "tel", Autocomplete: "off"})
	fs.add(field{Name: "status", Label: rq.T("Status"), Type: "select", Options: []option{
		{Value: "potential", Label: rq.T("Potential")}, {Value: "existing", Label: rq.T("Existing")}},
		Help: rq.T("A client becomes existing by itself when one of its contracts is signed.")})
	if rq.can(crm.ResourceClient, crm.ActionAssign) {
		fs.add(field{Name: "sales_contact_id", Label: rq.T("Sales contact"), Type: "select",
			Options: n.userOptions(crm.RoleSales, v["sales_contact_id"], rq.T("No sales contact")),
			Help:    rq.T("The salesperson who looks after this client.")})
	}
	return fs
}

// clientInput reads the client form.
func clientInput(f *form) crm.ClientInput {
	return crm.ClientInput{
		FirstName: f.str("first_name"), LastName: f.str("last_name"), Email: f.str("email"), Phone: f.str("phone"),
		Mobile: f.str("mobile"), Company: f.str("company"), Status: strOpt[crm.ClientStatus](f.str("status")),
		SalesContactID: f.id("sales_contact_id"),
	}
}

// clientNew shows the form of a new client.
func (ui *UI) clientNew(rq *request) error {
	if !rq.can(crm.ResourceClient, crm.ActionCreate) {
		return ui.errorPage(rq.c, rq, http.StatusForbidden, rq.T("Not allowed"), rq.T("You may not create clients."))
	}
	return ui.clientForm(rq, http.StatusOK, values{"status": "potential"}, formErrors{}, nil)
}

func (ui *UI) clientForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	n := newNames(ui, rq)
	fs := ui.clientFields(rq, n, v, errs)
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	body := &recordBody{Heading: rq.T("New client"), Sub: rq.T("Add a prospect or a customer."),
		Form: &formBody{Action: ui.newURL(kindClient), Fields: fs.fields, Submit: rq.T("Create client"), Cancel: ui.listURL(kindClient), Alert: a}}
	if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
		a.Text += " " + joinSentences(extra)
	}
	vw := ui.newView(rq, kindClient.path, rq.T("New client"), body)
	vw.Crumbs = ui.crumbs(rq, kindClient, rq.T("New"))
	return ui.render(rq.c, status, "record", vw)
}

// clientCreate creates a client from the form.
func (ui *UI) clientCreate(rq *request) error {
	f := newForm(rq.c)
	in := clientInput(f)
	if len(f.errs) > 0 {
		return ui.clientForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure(rq.loc()))
	}
	c, err := ui.svc.CreateClient(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.clientForm(rq, status, f.values(), errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "clients-created")
	return rq.c.Redirect(ui.recordURL(kindClient, c.ID), http.StatusSeeOther)
}

// clientShow shows a client, with its form when the user may change it.
func (ui *UI) clientShow(rq *request) error {
	c, err := ui.svc.GetClient(rq.ctx, paramID(rq))
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.clientPage(rq, http.StatusOK, c, clientValues(c), formErrors{}, nil, c.Version)
}

func (ui *UI) clientPage(rq *request, status int, c *crm.Client, v values, errs formErrors, a *alert, version int64) error {
	n := newNames(ui, rq)
	sales := n.user(c.SalesContactID)
	body := &recordBody{
		Heading: c.FullName(), Sub: c.Company,
		Badges: []cell{{Text: rq.loc().enumLabel(string(c.Status)), Badge: clientStatusBadge(c.Status)}},
		Facts: []fact{
			{Label: rq.T("Client ID"), Text: "#" + itoa(c.ID)},
			{Label: rq.T("Status"), Text: rq.loc().enumLabel(string(c.Status)), Badge: clientStatusBadge(c.Status)},
			{Label: rq.T("Sales contact"), Text: sales.Label, Href: sales.Href},
			{Label: rq.T("Created"), Text: rq.loc().time(c.DateCreated)},
			{Label: rq.T("Last updated"), Text: rq.loc().time(c.DateUpdated)},
		},
	}
	if rq.canOn(crm.ResourceContract, crm.ActionCreate, c.ID) {
		body.Actions = append(body.Actions, action{Label: rq.T("New contract"), Href: ui.newURL(kindContract) + "?client_id=" + itoa(c.ID),
			Icon: "plus", Style: "primary"})
	}
	body.Actions = append(body.Actions, ui.recordActions(rq, kindClient, c.ID)...)
	if rq.canOn(crm.ResourceClient, crm.ActionUpdate, c.ID) {
		fs := ui.clientFields(rq, n, v, errs)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		body.Form = &formBody{Action: ui.recordURL(kindClient, c.ID), Fields: fs.fields, Version: version, Submit: rq.T("Save changes"),
			Cancel: ui.listURL(kindClient), Alert: a}
	} else {
		body.Note = rq.T("You can view this client but not change it.")
		body.Readonly = []fact{
			{Label: rq.T("Email"), Text: c.Email}, {Label: rq.T("Phone"), Text: orDash(c.Phone)}, {Label: rq.T("Mobile"), Text: orDash(c.Mobile)},
			{Label: rq.T("Company"), Text: orDash(c.Company)},
		}
	}
	if rq.can(crm.ResourceContract, crm.ActionRead) {
		ks, next, err := ui.svc.ListContracts(rq.ctx, crm.ContractFilter{ClientID: &c.ID,
			ListOptions: crm.ListOptions{Limit: 10, Sort: "-date_created"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.contractTable(rq, n, ks, nil, "")
		t.Title = rq.T("Contracts")
		t.Empty = rq.T("No contracts yet.")
		if next != "" {
			t.More = &ref{Label: rq.T("All contracts of this client"), Href: ui.listURL(kindContract) + "?client_id=" + itoa(c.ID)}
		}
		body.Related = append(body.Related, t)
	}
	if rq.can(crm.ResourceEvent, crm.ActionRead) {
		es, next, err := ui.svc.ListEvents(rq.ctx, crm.EventFilter{ClientID: &c.ID,
			ListOptions: crm.ListOptions{Limit: 10, Sort: "-event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, es, nil, "")
		t.Title = rq.T("Events")
		t.Empty = rq.T("No events yet.")
		if next != "" {
			t.More = &ref{Label: rq.T("All events of this client"), Href: ui.listURL(kindEvent) + "?client_id=" + itoa(c.ID)}
		}
		body.Related = append(body.Related, t)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, kindClient.path, c.FullName(), body)
	vw.Crumbs = ui.crumbs(rq, kindClient, c.FullName())
	return ui.render(rq.c, status, "record", vw)
}

// clientUpdate saves the client form.
func (ui *UI) clientUpdate(rq *request) error {
	id := paramID(rq)
	c, err := ui.svc.GetClient(rq.ctx, id)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	f := newForm(rq.c)
	in := clientInput(f)
	version := f.version()
	if len(f.errs) > 0 {
		return ui.clientPage(rq, http.StatusUnprocessableEntity, c, f.values(), f.errs, parseFailure(rq.loc()), version)
	}
	if _, err := ui.svc.UpdateClient(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ui.recordURL(kindClient, id)); ok {
			return ui.clientPage(rq, status, c, f.values(), errs, a, version)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "clients-saved")
	return rq.c.Redirect(ui.recordURL(kindClient, id), http.StatusSeeOther)
}
