package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
)

func (ui *UI) routeContracts(g fiber.Router) {
	p := "/" + kindContract.path
	g.Get(p, ui.protect(ui.contractList))
	g.Get(p+"/new", ui.protect(ui.contractNew))
	g.Post(p+"/new", ui.protect(ui.contractCreate))
	g.Get(p+"/:id<int>", ui.protect(ui.contractShow))
	g.Post(p+"/:id<int>", ui.protect(ui.contractUpdate))
	g.Post(p+"/:id<int>/sign", ui.protect(ui.contractSign))
	g.Get(p+"/:id<int>/sign", ui.onlyPost)
	g.Get(p+"/:id<int>/delete", ui.protect(ui.deletePage(kindContract)))
	g.Post(p+"/:id<int>/delete", ui.protect(ui.deleteRecord(kindContract)))
	g.Get(p+"/:id<int>/history", ui.protect(ui.history(kindContract)))
}

// contractList is the list of contracts with the API's filters. The search box looks through
// the client's names, email and company (contracts have no text of their own).
func (ui *UI) contractList(rq *request) error {
	q := newListQuery(rq.c)
	f := crm.ContractFilter{
		Q: q.str("q"), ClientID: q.id("client_id"), ClientFirstName: q.str("client_first_name"),
		ClientLastName: q.str("client_last_name"), ClientEmail: q.str("client_email"), SalesContactID: q.id("sales_contact_id"),
		Amount: q.money("amount"), AmountMin: q.money("amount_min"), AmountMax: q.money("amount_max"),
		DateCreated: q.date("date_created"), Status: crm.ContractStatus(q.str("status")), Unpaid: q.flag("unpaid"),
		ListOptions: q.options(),
	}
	if len(q.bad) > 0 {
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad filter"), rq.T("Some filters could not be read."), q.bad...)
	}
	if csv, bom := exporting(rq); csv {
		return exportList(ui, rq, "contracts", csvsafe.ContractColumns, bom, &f.ListOptions,
			func(ctx context.Context) ([]*crm.Contract, string, error) { return ui.svc.ListContracts(ctx, f) })
	}
	items, next, total, err := fetch(rq.ctx, f, ui.svc.ListContracts, ui.svc.CountContracts)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	base := ui.listURL(kindContract)
	n := newNames(ui, rq)
	body := &listBody{Plural: rq.T(kindContract.plural), NewLabel: rq.T(kindContract.words.New), SearchAria: rq.T(kindContract.words.Search), SearchLabel: rq.T("Search client name, email or company")}
	if rq.can(crm.ResourceContract, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindContract)
	}
	body.Table = ui.contractTable(rq, n, items, q, base)
	ui.withBulk(rq, n, kindContract, body)
	body.Table.Empty = rq.T("No contracts match. Try another search, or reset the filters.")
	body.Filters = []field{
		selectFilter(rq.loc(), "status", msg("Status"), string(f.Status), "open", msg("Open (unsigned)"), "signed", msg("Signed")),
		{Name: "unpaid", Label: rq.T("Unpaid only"), Type: "checkbox", Value: "true", Checked: f.Unpaid},
		{Name: "client_first_name", Label: rq.T("Client first name"), Type: "text", Value: q.params.Get("client_first_name")},
		{Name: "client_email", Label: rq.T("Client email"), Type: "text", Value: f.ClientEmail},
		{Name: "amount_min", Label: rq.T("Amount from"), Type: "decimal", Value: q.params.Get("amount_min"), Placeholder: "0.00"},
		{Name: "amount_max", Label: rq.T("Amount up to"), Type: "decimal", Value: q.params.Get("amount_max"), Placeholder: "0.00"},
		{Name: "date_created", Label: rq.T("Created on"), Type: "date", Value: q.params.Get("date_created")},
	}
	if f.ClientID != nil {
		body.Filters = append(body.Filters, field{Name: "client_id", Label: rq.T("Client"), Type: "select",
			Options: []option{{Value: "", Label: rq.T("Any")}, {Value: idString(f.ClientID), Label: n.client(*f.ClientID).full(), Selected: true}}})
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		body.Filters = append(body.Filters, field{Name: "sales_contact_id", Label: rq.T("Sales contact"), Type: "select",
			Options: n.userOptions(crm.RoleSales, idString(f.SalesContactID), rq.T("Any"))})
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindContract.path, rq.T("Contracts"), body))
}

// contractTable lays out contracts as table rows. q, when set, makes the headers sortable.
func (ui *UI) contractTable(rq *request, n *names, items []*crm.Contract, q *listQuery, base string) table {
	col := func(label, key string, numeric bool) column {
		if q == nil {
			return column{Label: label, Numeric: numeric}
		}
		return q.column(base, label, key, numeric)
	}
	t := table{Columns: []column{
		col(rq.T("Contract"), "date_created", false), col(rq.T("Client"), "", false), col(rq.T("Amount"), "amount", true), col(rq.T("Due"), "amount_due", true),
		col(rq.T("Status"), "status", false), col(rq.T("Payment due"), "", false), col(rq.T("Sales contact"), "", false),
	}}
	var sales []*int64
	var clients []int64
	for _, k := range items {
		sales, clients = append(sales, k.SalesContactID), append(clients, k.ClientID)
	}
	n.prefetch(sales, clients, nil)
	for _, k := range items {
		client := n.client(k.ClientID)
		sales := n.user(k.SalesContactID)
		due := cell{Text: rq.loc().money(k.AmountDue), Numeric: true}
		if k.AmountDue == 0 {
			due.Text, due.Badge = rq.T("Paid"), "green"
		}
		t.Rows = append(t.Rows, row{ID: k.ID, Cells: []cell{
			{Text: "#" + itoa(k.ID), Href: ui.recordURL(kindContract, k.ID), Strong: true, Sub: rq.loc().day(k.DateCreated)},
			client.cell(),
			{Text: rq.loc().money(k.Amount), Numeric: true},
			due,
			{Text: rq.loc().enumLabel(string(k.Status)), Badge: contractStatusBadge(k.Status)},
			{Text: rq.loc().date(k.PaymentDue), Nowrap: true},
			{Text: sales.Label, Href: sales.Href},
		}})
	}
	return t
}

// contractValues are a contract's form values.
func contractValues(k *crm.Contract) values {
	v := values{
		"client_id": itoa(k.ClientID), "amount": k.Amount.String(), "amount_due": k.AmountDue.String(),
		"sales_contact_id": idString(k.SalesContactID), "payment_due": "",
	}
	if k.PaymentDue != nil {
		v["payment_due"] = k.PaymentDue.String()
	}
	return v
}

// contractFields are the fields of the contract form the user may set: the client only on
// creation, the sales contact only for those who may assign contacts.
func (ui *UI) contractFields(rq *request, n *names, v values, errs formErrors, creating bool) *fieldSet {
	fs := &fieldSet{values: v, errs: errs}
	if creating {
		fs.add(field{Name: "client_id", Label: rq.T("Client"), Type: "select", Required: true, Wide: true,
			Options: ui.clientOptions(rq, n, v["client_id"], rq.c.Query("client_q")), Help: rq.T("Find the client with the search above, then choose it here.")})
	}
	fs.add(field{Name: "amount", Label: rq.T("Total amount"), Type: "decimal", Required: true, Placeholder: "15000.00"})
	help := rq.T("What the client still has to pay.")
	if creating {
		help = rq.T("Leave empty when nothing has been paid yet: it then equals the total amount.")
	}
	fs.add(field{Name: "amount_due", Label: rq.T("Amount due"), Type: "decimal", Placeholder: "15000.00", Help: help})
	fs.add(field{Name: "payment_due", Label: rq.T("Payment due"), Type: "date"})
	if rq.can(crm.ResourceContract, crm.ActionAssign) {
		none := rq.T("No sales contact")
		if creating {
			none = rq.T("The client's sales contact")
		}
		fs.add(field{Name: "sales_contact_id", Label: rq.T("Sales contact"), Type: "select",
			Options: n.userOptions(crm.RoleSales, v["sales_contact_id"], none)})
	}
	return fs
}

// contractInput reads the contract form.
func contractInput(f *form, creating bool) crm.ContractInput {
	in := crm.ContractInput{
		Amount: f.money("amount", false), AmountDue: f.money("amount_due", creating), PaymentDue: f.date("payment_due"),
		SalesContactID: f.id("sales_contact_id"),
	}
	if creating {
		in.ClientID = f.requiredID("client_id")
		if in.SalesContactID.Set && in.SalesContactID.Value == nil {
			in.SalesContactID = crm.Opt[*int64]{} // empty means "the client's", the default
		}
	} else if posted(f.c, "client_id") {
		in.ClientID = f.requiredID("client_id")
	}
	if posted(f.c, "status") {
		in.Status = strOpt[crm.ContractStatus](f.str("status"))
	}
	return in
}

// contractNew shows the form of a new contract, for the client named by ?client_id= if any.
func (ui *UI) contractNew(rq *request) error {
	if !rq.can(crm.ResourceContract, crm.ActionCreate) {
		return ui.errorPage(rq.c, rq, http.StatusForbidden, rq.T("Not allowed"), rq.T("You may not create contracts."))
	}
	v := values{"client_id": strings.TrimSpace(rq.c.Query("client_id"))}
	return ui.contractForm(rq, http.StatusOK, v, formErrors{}, nil)
}

func (ui *UI) contractForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	n := newNames(ui, rq)
	fs := ui.contractFields(rq, n, v, errs, true)
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
		a.Text += " " + joinSentences(extra)
	}
	body := &recordBody{Heading: rq.T("New contract"), Sub: rq.T("A new contract is open until it is signed."),
		Form: &formBody{Action: ui.newURL(kindContract), Fields: fs.fields, Submit: rq.T("Create contract"), Cancel: ui.listURL(kindContract), Alert: a,
			Search: ui.clientSearch(rq)}}
	vw := ui.newView(rq, kindContract.path, rq.T("New contract"), body)
	vw.Crumbs = ui.crumbs(rq, kindContract, rq.T("New"))
	return ui.render(rq.c, status, "record", vw)
}

// contractCreate creates a contract from the form.
func (ui *UI) contractCreate(rq *request) error {
	f := newForm(rq.c)
	in := contractInput(f, true)
	if len(f.errs) > 0 {
		return ui.contractForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure(rq.loc()))
	}
	k, err := ui.svc.CreateContract(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.contractForm(rq, status, f.values(), errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "contracts-created")
	return rq.c.Redirect(ui.recordURL(kindContract, k.ID), http.StatusSeeOther)
}

// contractShow shows a contract, with its form when the user may change it.
func (ui *UI) contractShow(rq *request) error {
	k, err := ui.svc.GetContract(rq.ctx, paramID(rq))
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.contractPage(rq, http.StatusOK, k, contractValues(k), formErrors{}, nil, k.Version)
}

func (ui *UI) contractPage(rq *request, status int, k *crm.Contract, v values, errs formErrors, a *alert, version int64) error {
	n := newNames(ui, rq)
	client := n.client(k.ClientID)
	sales := n.user(k.SalesContactID)
	title := rq.T("Contract #%s", itoa(k.ID))
	body := &recordBody{
		Heading: title, Sub: client.full(),
		Badges: []cell{{Text: rq.loc().enumLabel(string(k.Status)), Badge: contractStatusBadge(k.Status)}},
		Facts: []fact{
			{Label: rq.T("Client"), Text: client.full(), Href: client.Href},
			{Label: rq.T("Status"), Text: rq.loc().enumLabel(string(k.Status)), Badge: contractStatusBadge(k.Status)},
			{Label: rq.T("Signed"), Text: rq.loc().timePtr(k.SignedAt)},
			{Label: rq.T("Sales contact"), Text: sales.Label, Href: sales.Href},
			{Label: rq.T("Created"), Text: rq.loc().time(k.DateCreated)},
			{Label: rq.T("Last updated"), Text: rq.loc().time(k.DateUpdated)},
		},
	}
	if k.AmountDue > 0 {
		body.Badges = append(body.Badges, cell{Text: rq.T("Unpaid"), Badge: "red"})
	} else {
		body.Badges = append(body.Badges, cell{Text: rq.T("Paid"), Badge: "green"})
	}
	if k.Status == crm.ContractOpen && rq.canOn(crm.ResourceContract, crm.ActionSign, k.ID) {
		body.Actions = append(body.Actions, action{Label: rq.T("Sign contract"), Href: ui.recordURL(kindContract, k.ID) + "/sign",
			Icon: "check", Style: "primary", Post: true, Version: k.Version})
	}
	if k.Status == crm.ContractSigned && rq.canOn(crm.ResourceEvent, crm.ActionCreate, k.ID) {
		body.Actions = append(body.Actions, action{Label: rq.T("New event"), Href: ui.newURL(kindEvent) + "?contract_id=" + itoa(k.ID),
			Icon: "plus", Style: "primary"})
	}
	body.Actions = append(body.Actions, ui.recordActions(rq, kindContract, k.ID)...)
	if rq.canOn(crm.ResourceContract, crm.ActionUpdate, k.ID) {
		fs := ui.contractFields(rq, n, v, errs, false)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		body.Form = &formBody{Action: ui.recordURL(kindContract, k.ID), Fields: fs.fields, Version: version,
			Submit: rq.T("Save changes"), Cancel: ui.listURL(kindContract), Alert: a}
	} else {
		body.Note = rq.T("You can view this contract but not change it.")
		body.Readonly = []fact{
			{Label: rq.T("Total amount"), Text: rq.loc().money(k.Amount)}, {Label: rq.T("Amount due"), Text: rq.loc().money(k.AmountDue)},
			{Label: rq.T("Payment due"), Text: rq.loc().date(k.PaymentDue)},
		}
	}
	if rq.can(crm.ResourceEvent, crm.ActionRead) {
		es, _, err := ui.svc.ListEvents(rq.ctx, crm.EventFilter{ContractID: &k.ID,
			ListOptions: crm.ListOptions{Limit: 20, Sort: "event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, es, nil, "")
		t.Title = rq.T("Events")
		t.Empty = rq.T("No events yet.")
		if k.Status == crm.ContractOpen {
			t.Empty = rq.T("Events can be created once the contract is signed.")
		}
		body.Related = append(body.Related, t)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, kindContract.path, title, body)
	vw.Crumbs = ui.crumbs(rq, kindContract, title)
	return ui.render(rq.c, status, "record", vw)
}

// contractUpdate saves the contract form.
func (ui *UI) contractUpdate(rq *request) error {
	id := paramID(rq)
	k, err := ui.svc.GetContract(rq.ctx, id)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	f := newForm(rq.c)
	in := contractInput(f, false)
	version := f.version()
	if len(f.errs) > 0 {
		return ui.contractPage(rq, http.StatusUnprocessableEntity, k, f.values(), f.errs, parseFailure(rq.loc()), version)
	}
	if _, err := ui.svc.UpdateContract(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ui.recordURL(kindContract, id)); ok {
			return ui.contractPage(rq, status, k, f.values(), errs, a, version)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "contracts-saved")
	return rq.c.Redirect(ui.recordURL(kindContract, id), http.StatusSeeOther)
}

// contractSign signs a contract (POST only), which also makes its client an existing client.
func (ui *UI) contractSign(rq *request) error {
	id := paramID(rq)
	if _, err := ui.svc.SignContract(rq.ctx, id, newForm(rq.c).version()); err != nil {
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "contract-signed")
	return rq.c.Redirect(ui.recordURL(kindContract, id), http.StatusSeeOther)
}
