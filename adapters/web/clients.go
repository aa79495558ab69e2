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
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, "Bad filter", "Some filters could not be read.", q.bad...)
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
	body := &listBody{Plural: "Clients", Singular: "client", SearchLabel: "Search name, email or company"}
	if rq.can(crm.ResourceClient, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindClient)
	}
	if rq.can(crm.ResourceClient, crm.ActionCreate) || rq.can(crm.ResourceClient, crm.ActionUpdate) {
		body.ImportHref = ui.listURL(kindClient) + "/import"
	}
	body.Table = ui.clientTable(rq, n, items, q, base)
	ui.withBulk(rq, n, kindClient, body)
	body.Table.Empty = "No clients match. Try another search, or reset the filters."
	body.Filters = []field{
		selectFilter("status", "Status", string(f.Status), "potential", "Potential", "existing", "Existing"),
		{Name: "first_name", Label: "First name", Type: "text", Value: f.FirstName},
		{Name: "last_name", Label: "Last name", Type: "text", Value: f.LastName},
		{Name: "email", Label: "Email contains", Type: "text", Value: f.Email},
		{Name: "company", Label: "Company contains", Type: "text", Value: f.Company},
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		sel := field{Name: "sales_contact_id", Label: "Sales contact", Type: "select",
			Options: n.userOptions(crm.RoleSales, idString(f.SalesContactID), "Any")}
		body.Filters = append(body.Filters, sel)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindClient.path, "Clients", body))
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
		col("Name", "last_name"), col("Company", "company"), col("Phone", ""),
		col("Status", "status"), col("Sales contact", ""), col("Updated", "date_updated"),
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
			{Text: titleCase(string(c.Status)), Badge: clientStatusBadge(c.Status)},
			{Text: sales.Label, Href: sales.Href},
			{Text: fmtDay(c.DateUpdated), Nowrap: true},
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
	fs.add(field{Name: "first_name", Label: "First name", Type: "text", Required: true, Autocomplete: "off"})
	fs.add(field{Name: "last_name", Label: "Last name", Type: "text", Required: true, Autocomplete: "off"})
	fs.add(field{Name: "email", Label: "Email", Type: "email", Required: true, Autocomplete: "off",
		Placeholder: "name@company.com"})
	fs.add(field{Name: "company", Label: "Company", Type: "text", Autocomplete: "off"})
	fs.add(field{Name: "phone", Label: "Phone", Type: "tel", Autocomplete: "off", Placeholder: "+33 1 23 45 67 89"})
	fs.add(field{Name: "mobile", Label: "Mobile", Type: "tel", Autocomplete: "off"})
	fs.add(field{Name: "status", Label: "Status", Type: "select", Options: []option{
		{Value: "potential", Label: "Potential"}, {Value: "existing", Label: "Existing"}},
		Help: "A client becomes existing by itself when one of its contracts is signed."})
	if rq.can(crm.ResourceClient, crm.ActionAssign) {
		fs.add(field{Name: "sales_contact_id", Label: "Sales contact", Type: "select",
			Options: n.userOptions(crm.RoleSales, v["sales_contact_id"], "No sales contact"),
			Help:    "The salesperson who looks after this client."})
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
		return ui.errorPage(rq.c, rq, http.StatusForbidden, "Not allowed", "You may not create clients.")
	}
	return ui.clientForm(rq, http.StatusOK, values{"status": "potential"}, formErrors{}, nil)
}

func (ui *UI) clientForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	n := newNames(ui, rq)
	fs := ui.clientFields(rq, n, v, errs)
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	body := &recordBody{Heading: "New client", Sub: "Add a prospect or a customer.",
		Form: &formBody{Action: ui.newURL(kindClient), Fields: fs.fields, Submit: "Create client", Cancel: ui.listURL(kindClient), Alert: a}}
	if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
		a.Text += " " + joinSentences(extra)
	}
	vw := ui.newView(rq, kindClient.path, "New client", body)
	vw.Crumbs = ui.crumbs(kindClient, "New")
	return ui.render(rq.c, status, "record", vw)
}

// clientCreate creates a client from the form.
func (ui *UI) clientCreate(rq *request) error {
	f := newForm(rq.c)
	in := clientInput(f)
	if len(f.errs) > 0 {
		return ui.clientForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure())
	}
	c, err := ui.svc.CreateClient(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(err, ""); ok {
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
		Badges: []cell{{Text: titleCase(string(c.Status)), Badge: clientStatusBadge(c.Status)}},
		Facts: []fact{
			{Label: "Client ID", Text: "#" + itoa(c.ID)},
			{Label: "Status", Text: titleCase(string(c.Status)), Badge: clientStatusBadge(c.Status)},
			{Label: "Sales contact", Text: sales.Label, Href: sales.Href},
			{Label: "Created", Text: fmtTime(c.DateCreated)},
			{Label: "Last updated", Text: fmtTime(c.DateUpdated)},
		},
	}
	if rq.canOn(crm.ResourceContract, crm.ActionCreate, c.ID) {
		body.Actions = append(body.Actions, action{Label: "New contract", Href: ui.newURL(kindContract) + "?client_id=" + itoa(c.ID),
			Icon: "plus", Style: "primary"})
	}
	body.Actions = append(body.Actions, ui.recordActions(rq, kindClient, c.ID)...)
	if rq.canOn(crm.ResourceClient, crm.ActionUpdate, c.ID) {
		fs := ui.clientFields(rq, n, v, errs)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		body.Form = &formBody{Action: ui.recordURL(kindClient, c.ID), Fields: fs.fields, Version: version, Submit: "Save changes",
			Cancel: ui.listURL(kindClient), Alert: a}
	} else {
		body.Note = "You can view this client but not change it."
		body.Readonly = []fact{
			{Label: "Email", Text: c.Email}, {Label: "Phone", Text: orDash(c.Phone)}, {Label: "Mobile", Text: orDash(c.Mobile)},
			{Label: "Company", Text: orDash(c.Company)},
		}
	}
	if rq.can(crm.ResourceContract, crm.ActionRead) {
		ks, next, err := ui.svc.ListContracts(rq.ctx, crm.ContractFilter{ClientID: &c.ID,
			ListOptions: crm.ListOptions{Limit: 10, Sort: "-date_created"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.contractTable(rq, n, ks, nil, "")
		t.Title = "Contracts"
		t.Empty = "No contracts yet."
		if next != "" {
			t.More = &ref{Label: "All contracts of this client", Href: ui.listURL(kindContract) + "?client_id=" + itoa(c.ID)}
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
		t.Title = "Events"
		t.Empty = "No events yet."
		if next != "" {
			t.More = &ref{Label: "All events of this client", Href: ui.listURL(kindEvent) + "?client_id=" + itoa(c.ID)}
		}
		body.Related = append(body.Related, t)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, kindClient.path, c.FullName(), body)
	vw.Crumbs = ui.crumbs(kindClient, c.FullName())
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
		return ui.clientPage(rq, http.StatusUnprocessableEntity, c, f.values(), f.errs, parseFailure(), version)
	}
	if _, err := ui.svc.UpdateClient(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(err, ui.recordURL(kindClient, id)); ok {
			return ui.clientPage(rq, status, c, f.values(), errs, a, version)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "clients-saved")
	return rq.c.Redirect(ui.recordURL(kindClient, id), http.StatusSeeOther)
}
