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
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, "Bad filter", "Some filters could not be read.", q.bad...)
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
	body := &listBody{Plural: "Contracts", Singular: "contract", SearchLabel: "Search client name, email or company"}
	if rq.can(crm.ResourceContract, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindContract)
	}
	body.Table = ui.contractTable(rq, n, items, q, base)
	ui.withBulk(rq, n, kindContract, body)
	body.Table.Empty = "No contracts match. Try another search, or reset the filters."
	body.Filters = []field{
		selectFilter("status", "Status", string(f.Status), "open", "Open (unsigned)", "signed", "Signed"),
		{Name: "unpaid", Label: "Unpaid only", Type: "checkbox", Value: "true", Checked: f.Unpaid},
		{Name: "client_first_name", Label: "Client first name", Type: "text", Value: q.params.Get("client_first_name")},
		{Name: "client_email", Label: "Client email", Type: "text", Value: f.ClientEmail},
		{Name: "amount_min", Label: "Amount from", Type: "decimal", Value: q.params.Get("amount_min"), Placeholder: "0.00"},
		{Name: "amount_max", Label: "Amount up to", Type: "decimal", Value: q.params.Get("amount_max"), Placeholder: "0.00"},
		{Name: "date_created", Label: "Created on", Type: "date", Value: q.params.Get("date_created")},
	}
	if f.ClientID != nil {
		body.Filters = append(body.Filters, field{Name: "client_id", Label: "Client", Type: "select",
			Options: []option{{Value: "", Label: "Any"}, {Value: idString(f.ClientID), Label: n.client(*f.ClientID).full(), Selected: true}}})
	}
	if rq.canAll(crm.ResourceUser, crm.ActionRead) {
		body.Filters = append(body.Filters, field{Name: "sales_contact_id", Label: "Sales contact", Type: "select",
			Options: n.userOptions(crm.RoleSales, idString(f.SalesContactID), "Any")})
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindContract.path, "Contracts", body))
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
		col("Contract", "date_created", false), col("Client", "", false), col("Amount", "amount", true), col("Due", "amount_due", true),
		col("Status", "status", false), col("Payment due", "", false), col("Sales contact", "", false),
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
		due := cell{Text: fmtMoney(k.AmountDue), Numeric: true}
		if k.AmountDue == 0 {
			due.Text, due.Badge = "Paid", "green"
		}
		t.Rows = append(t.Rows, row{ID: k.ID, Cells: []cell{
			{Text: "#" + itoa(k.ID), Href: ui.recordURL(kindContract, k.ID), Strong: true, Sub: fmtDay(k.DateCreated)},
			client.cell(),
			{Text: fmtMoney(k.Amount), Numeric: true},
			due,
			{Text: titleCase(string(k.Status)), Badge: contractStatusBadge(k.Status)},
			{Text: fmtDate(k.PaymentDue), Nowrap: true},
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
		fs.add(field{Name: "client_id", Label: "Client", Type: "select", Required: true, Wide: true,
			Options: ui.clientOptions(rq, n, v["client_id"])})
	}
	fs.add(field{Name: "amount", Label: "Total amount", Type: "decimal", Required: true, Placeholder: "15000.00"})
	help := "What the client still has to pay."
	if creating {
		help = "Leave empty when nothing has been paid yet: it then equals the total amount."
	}
	fs.add(field{Name: "amount_due", Label: "Amount due", Type: "decimal", Placeholder: "15000.00", Help: help})
	fs.add(field{Name: "payment_due", Label: "Payment due", Type: "date"})
	if rq.can(crm.ResourceContract, crm.ActionAssign) {
		none := "No sales contact"
		if creating {
			none = "The client's sales contact"
		}
		fs.add(field{Name: "sales_contact_id", Label: "Sales contact", Type: "select",
			Options: n.userOptions(crm.RoleSales, v["sales_contact_id"], none)})
	}
	return fs
}

// clientOptions lists the clients the user can read, as choices for a new contract.
func (ui *UI) clientOptions(rq *request, n *names, current string) []option {
	opts := []option{{Value: "", Label: "Choose a client…"}}
	cs, _, err := ui.svc.ListClients(rq.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Sort: "last_name"}})
	n.keep(err)
	found := current == ""
	for _, c := range cs {
		label := c.FullName()
		if c.Company != "" {
			label += " · " + c.Company
		}
		opts = append(opts, option{Value: itoa(c.ID), Label: label})
		found = found || itoa(c.ID) == current
	}
	if !found {
		opts = append(opts, option{Value: current, Label: "Client #" + current})
	}
	return opts
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
		return ui.errorPage(rq.c, rq, http.StatusForbidden, "Not allowed", "You may not create contracts.")
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
	body := &recordBody{Heading: "New contract", Sub: "A new contract is open until it is signed.",
		Form: &formBody{Action: ui.newURL(kindContract), Fields: fs.fields, Submit: "Create contract", Cancel: ui.listURL(kindContract), Alert: a}}
	vw := ui.newView(rq, kindContract.path, "New contract", body)
	vw.Crumbs = ui.crumbs(kindContract, "New")
	return ui.render(rq.c, status, "record", vw)
}

// contractCreate creates a contract from the form.
func (ui *UI) contractCreate(rq *request) error {
	f := newForm(rq.c)
	in := contractInput(f, true)
	if len(f.errs) > 0 {
		return ui.contractForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure())
	}
	k, err := ui.svc.CreateContract(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(err, ""); ok {
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
	title := "Contract #" + itoa(k.ID)
	body := &recordBody{
		Heading: title, Sub: client.full(),
		Badges: []cell{{Text: titleCase(string(k.Status)), Badge: contractStatusBadge(k.Status)}},
		Facts: []fact{
			{Label: "Client", Text: client.full(), Href: client.Href},
			{Label: "Status", Text: titleCase(string(k.Status)), Badge: contractStatusBadge(k.Status)},
			{Label: "Signed", Text: fmtTimePtr(k.SignedAt)},
			{Label: "Sales contact", Text: sales.Label, Href: sales.Href},
			{Label: "Created", Text: fmtTime(k.DateCreated)},
			{Label: "Last updated", Text: fmtTime(k.DateUpdated)},
		},
	}
	if k.AmountDue > 0 {
		body.Badges = append(body.Badges, cell{Text: "Unpaid", Badge: "red"})
	} else {
		body.Badges = append(body.Badges, cell{Text: "Paid", Badge: "green"})
	}
	if k.Status == crm.ContractOpen && rq.canOn(crm.ResourceContract, crm.ActionSign, k.ID) {
		body.Actions = append(body.Actions, action{Label: "Sign contract", Href: ui.recordURL(kindContract, k.ID) + "/sign",
			Icon: "check", Style: "primary", Post: true, Version: k.Version})
	}
	if k.Status == crm.ContractSigned && rq.canOn(crm.ResourceEvent, crm.ActionCreate, k.ID) {
		body.Actions = append(body.Actions, action{Label: "New event", Href: ui.newURL(kindEvent) + "?contract_id=" + itoa(k.ID),
			Icon: "plus", Style: "primary"})
	}
	body.Actions = append(body.Actions, ui.recordActions(rq, kindContract, k.ID)...)
	if rq.canOn(crm.ResourceContract, crm.ActionUpdate, k.ID) {
		fs := ui.contractFields(rq, n, v, errs, false)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		body.Form = &formBody{Action: ui.recordURL(kindContract, k.ID), Fields: fs.fields, Version: version,
			Submit: "Save changes", Cancel: ui.listURL(kindContract), Alert: a}
	} else {
		body.Note = "You can view this contract but not change it."
		body.Readonly = []fact{
			{Label: "Total amount", Text: fmtMoney(k.Amount)}, {Label: "Amount due", Text: fmtMoney(k.AmountDue)},
			{Label: "Payment due", Text: fmtDate(k.PaymentDue)},
		}
	}
	if rq.can(crm.ResourceEvent, crm.ActionRead) {
		es, _, err := ui.svc.ListEvents(rq.ctx, crm.EventFilter{ContractID: &k.ID,
			ListOptions: crm.ListOptions{Limit: 20, Sort: "event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, es, nil, "")
		t.Title = "Events"
		t.Empty = "No events yet."
		if k.Status == crm.ContractOpen {
			t.Empty = "Events can be created once the contract is signed."
		}
		body.Related = append(body.Related, t)
	}
	if n.err != nil {
		return ui.fail(rq.c, rq, n.err)
	}
	vw := ui.newView(rq, kindContract.path, title, body)
	vw.Crumbs = ui.crumbs(kindContract, title)
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
		return ui.contractPage(rq, http.StatusUnprocessableEntity, k, f.values(), f.errs, parseFailure(), version)
	}
	if _, err := ui.svc.UpdateContract(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(err, ui.recordURL(kindContract, id)); ok {
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
