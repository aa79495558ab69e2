package web

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
)

func (ui *UI) routeUsers(g fiber.Router) {
	p := "/" + kindUser.path
	g.Get(p, ui.protect(ui.userList))
	g.Get(p+"/new", ui.protect(ui.userNew))
	g.Post(p+"/new", ui.protect(ui.userCreate))
	g.Get(p+"/:id<int>", ui.protect(ui.userShow))
	g.Post(p+"/:id<int>", ui.protect(ui.userUpdate))
	g.Get(p+"/:id<int>/delete", ui.protect(ui.deletePage(kindUser)))
	g.Post(p+"/:id<int>/delete", ui.protect(ui.deleteRecord(kindUser)))
	g.Get(p+"/:id<int>/history", ui.protect(ui.history(kindUser)))
}

// userList is the list of users, for those who may read every user (management). Everyone
// else only has their own record, so they are sent to it.
func (ui *UI) userList(rq *request) error {
	if !rq.canAll(crm.ResourceUser, crm.ActionRead) {
		return rq.c.Redirect(ui.recordURL(kindUser, rq.actor.ID), http.StatusSeeOther)
	}
	q := newListQuery(rq.c)
	f := crm.UserFilter{
		Q: q.str("q"), Username: q.str("username"), Email: q.str("email"), FirstName: q.str("first_name"),
		LastName: q.str("last_name"), Role: crm.Role(q.str("role")), IsActive: q.boolPtr("is_active"), ListOptions: q.options(),
	}
	if len(q.bad) > 0 {
		return ui.errorPage(rq.c, rq, http.StatusBadRequest, rq.T("Bad filter"), rq.T("Some filters could not be read."), q.bad...)
	}
	if csv, bom := exporting(rq); csv {
		return exportList(ui, rq, "users", csvsafe.UserColumns, bom, &f.ListOptions,
			func(ctx context.Context) ([]*crm.User, string, error) { return ui.svc.ListUsers(ctx, f) })
	}
	items, next, total, err := fetch(rq.ctx, f, ui.svc.ListUsers, ui.svc.CountUsers)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	base := ui.listURL(kindUser)
	body := &listBody{Plural: rq.T(kindUser.plural), NewLabel: rq.T(kindUser.words.New), SearchAria: rq.T(kindUser.words.Search), SearchLabel: rq.T("Search username, name or email")}
	if rq.can(crm.ResourceUser, crm.ActionCreate) {
		body.NewHref = ui.newURL(kindUser)
	}
	body.ImportHref = ui.importHref(rq, userImporter)
	t := table{Columns: []column{
		q.column(base, rq.T("User"), "username", false), q.column(base, rq.T("Email"), "email", false), q.column(base, rq.T("Role"), "role", false), q.column(base, rq.T("Status"), "", false),
		q.column(base, rq.T("Joined"), "date_joined", false), q.column(base, rq.T("Last login"), "", false),
	}, Empty: rq.T("No users match. Try another search, or reset the filters.")}
	for _, u := range items {
		t.Rows = append(t.Rows, row{Cells: []cell{
			{Text: u.FullName(), Href: ui.recordURL(kindUser, u.ID), Strong: true, Sub: "@" + u.Username},
			{Text: u.Email},
			{Text: rq.loc().roleLabel(u.Role), Badge: roleBadge(u.Role), Sub: serviceNote(rq, u)},
			activeCell(rq, u.IsActive),
			{Text: rq.loc().day(u.DateJoined), Nowrap: true},
			{Text: rq.loc().timePtr(u.LastLogin), Nowrap: true},
		}})
	}
	body.Table = t
	active := ""
	if f.IsActive != nil {
		active = "false"
		if *f.IsActive {
			active = "true"
		}
	}
	body.Filters = []field{
		selectFilter(rq.loc(), "role", msg("Role"), string(f.Role), "management", msg("Management"), "sales", msg("Sales"), "support", msg("Support")),
		selectFilter(rq.loc(), "is_active", msg("Status"), active, "true", msg("Active"), "false", msg("Inactive")),
		{Name: "username", Label: rq.T("Username"), Type: "text", Value: f.Username},
		{Name: "email", Label: rq.T("Email contains"), Type: "text", Value: f.Email},
	}
	q.finish(base, body, len(items), total, next)
	return ui.render(rq.c, http.StatusOK, "list", ui.newView(rq, kindUser.path, rq.T("Users"), body))
}

func activeCell(rq *request, active bool) cell {
	if active {
		return cell{Text: rq.T("Active"), Badge: "green"}
	}
	return cell{Text: rq.T("Inactive"), Badge: "gray"}
}

// userValues are a user's form values.
func userValues(u *crm.User) values {
	active := "false"
	if u.IsActive {
		active = "true"
	}
	return values{"username": u.Username, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
		"role": string(u.Role), "is_active": active}
}

// userFields are the fields of the user form the user may set: username and email only for
// management; role, activity and password only for management on someone else's record (one
// changes one's own password on its page).
func userFields(rq *request, v values, errs formErrors, manage, creating bool) *fieldSet {
	fs := &fieldSet{values: v, errs: errs}
	if rq.canAll(crm.ResourceUser, crm.ActionUpdate) {
		fs.add(field{Name: "username", Label: rq.T("Username"), Type: "text", Required: true, Autocomplete: "off",
			Help: rq.T("Letters, digits and @ . + - _ only; stored in lower case.")})
		fs.add(field{Name: "email", Label: rq.T("Email"), Type: "email", Required: true, Autocomplete: "off"})
	}
	fs.add(field{Name: "first_name", Label: rq.T("First name"), Type: "text", Autocomplete: "off"})
	fs.add(field{Name: "last_name", Label: rq.T("Last name"), Type: "text", Autocomplete: "off"})
	if manage {
		fs.add(field{Name: "role", Label: rq.T("Role"), Type: "select", Required: true, Options: []option{
			{Value: "management", Label: rq.T("Management")}, {Value: "sales", Label: rq.T("Sales")}, {Value: "support", Label: rq.T("Support")}},
			Help: rq.T("What the user may do is set by the role's policy.")})
		fs.add(field{Name: "is_active", Label: rq.T("Active"), Type: "checkbox",
			Help: rq.T("An inactive user cannot log in, and their sessions end at once.")})
		pw := field{Name: "password", Label: rq.T("Password"), Type: "password", Autocomplete: "new-password", Wide: true,
			Help: rq.T("At least 8 characters, not a common password, not only digits, not close to the username or email.")}
		if creating {
			pw.Required = true
		} else {
			pw.Label = rq.T("Set a new password")
			pw.Help = rq.T("Leave empty to keep the current password. Setting one ends the user's sessions.") + " " + pw.Help
		}
		fs.add(pw)
	}
	return fs
}

// userInput reads the user form; an empty password field on an existing user keeps the password.
func userInput(f *form, creating bool) crm.UserInput {
	in := crm.UserInput{
		Username: f.str("username"), Email: f.str("email"), FirstName: f.str("first_name"), LastName: f.str("last_name"),
		Role: strOpt[crm.Role](f.str("role")), IsActive: f.flag("is_active"), Password: f.str("password"),
	}
	if !creating && in.Password.Set && in.Password.Value == "" {
		in.Password = crm.Opt[string]{}
	}
	return in
}

// userNew shows the form of a new user.
func (ui *UI) userNew(rq *request) error {
	if !rq.can(crm.ResourceUser, crm.ActionCreate) {
		return ui.errorPage(rq.c, rq, http.StatusForbidden, rq.T("Not allowed"), rq.T("You may not create users."))
	}
	return ui.userForm(rq, http.StatusOK, values{"role": "sales", "is_active": "true"}, formErrors{}, nil)
}

func (ui *UI) userForm(rq *request, status int, v values, errs formErrors, a *alert) error {
	v["password"] = "" // a password is never sent back to the browser
	fs := userFields(rq, v, errs, true, true)
	if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
		a.Text += " " + joinSentences(extra)
	}
	body := &recordBody{Heading: rq.T("New user"), Sub: rq.T("Give a member of the team access to the CRM."),
		Form: &formBody{Action: ui.newURL(kindUser), Fields: fs.fields, Submit: rq.T("Create user"), Cancel: ui.listURL(kindUser), Alert: a}}
	vw := ui.newView(rq, kindUser.path, rq.T("New user"), body)
	vw.Crumbs = ui.crumbs(rq, kindUser, rq.T("New"))
	return ui.render(rq.c, status, "record", vw)
}

// userCreate creates a user from the form.
func (ui *UI) userCreate(rq *request) error {
	f := newForm(rq.c)
	in := userInput(f, true)
	if len(f.errs) > 0 {
		return ui.userForm(rq, http.StatusUnprocessableEntity, f.values(), f.errs, parseFailure(rq.loc()))
	}
	u, err := ui.svc.CreateUser(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.userForm(rq, status, f.values(), errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	ui.setFlash(rq.c, "users-created")
	return rq.c.Redirect(ui.recordURL(kindUser, u.ID), http.StatusSeeOther)
}

// userShow shows a user: anyone their own profile, management every user.
func (ui *UI) userShow(rq *request) error {
	u, err := ui.svc.GetUser(rq.ctx, paramID(rq))
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.userPage(rq, http.StatusOK, u, userValues(u), formErrors{}, nil, u.Version)
}

func (ui *UI) userPage(rq *request, status int, u *crm.User, v values, errs formErrors, a *alert, version int64) error {
	self := u.ID == rq.actor.ID
	manage := rq.canAll(crm.ResourceUser, crm.ActionUpdate) && !self
	v["password"] = ""
	section, heading := kindUser.path, u.FullName()
	if self {
		section = "profile"
	}
	active := activeCell(rq, u.IsActive)
	body := &recordBody{
		Heading: heading, Sub: "@" + u.Username,
		Badges: append([]cell{{Text: rq.loc().roleLabel(u.Role), Badge: roleBadge(u.Role)}, active}, serviceBadges(rq, u)...),
		Facts: []fact{
			{Label: rq.T("User ID"), Text: "#" + itoa(u.ID)},
			{Label: rq.T("Role"), Text: rq.loc().roleLabel(u.Role), Badge: roleBadge(u.Role)},
			{Label: rq.T("Status"), Text: active.Text, Badge: active.Badge},
			{Label: rq.T("Joined"), Text: rq.loc().time(u.DateJoined)},
			{Label: rq.T("Last login"), Text: rq.loc().timePtr(u.LastLogin)},
		},
	}
	if self {
		body.Actions = append(body.Actions, action{Label: rq.T("Change password"), Href: ui.root + "/password", Icon: "key", Style: "secondary"})
		if rq.can(crm.ResourceAudit, crm.ActionRead) {
			body.Actions = append(body.Actions, action{Label: rq.T("History"), Href: ui.historyURL(kindUser, u.ID), Icon: "clock", Style: "secondary"})
		}
	} else {
		body.Actions = ui.recordActions(rq, kindUser, u.ID)
	}
	if rq.canOn(crm.ResourceUser, crm.ActionUpdate, u.ID) {
		fs := userFields(rq, v, errs, manage, false)
		if extra := fs.unknownErrors(); len(extra) > 0 && a != nil {
			a.Text += " " + joinSentences(extra)
		}
		cancel := ui.listURL(kindUser)
		if !rq.canAll(crm.ResourceUser, crm.ActionRead) {
			cancel = ui.root + "/"
		}
		body.Form = &formBody{Action: ui.recordURL(kindUser, u.ID), Fields: fs.fields, Version: version, Submit: rq.T("Save changes"),
			Cancel: cancel, Alert: a}
		if !rq.canAll(crm.ResourceUser, crm.ActionUpdate) {
			// Only management changes usernames and email addresses: the others see theirs here.
			body.Facts = append(body.Facts, fact{Label: rq.T("Username"), Text: u.Username}, fact{Label: rq.T("Email"), Text: u.Email})
		}
	} else {
		body.Note = rq.T("You can view this user but not change them.")
		body.Readonly = []fact{{Label: rq.T("Email"), Text: u.Email}}
	}
	if !self && rq.can(crm.ResourceClient, crm.ActionRead) && u.Role == crm.RoleSales {
		n := newNames(ui, rq)
		cs, _, err := ui.svc.ListClients(rq.ctx, crm.ClientFilter{SalesContactID: &u.ID,
			ListOptions: crm.ListOptions{Limit: 10, Sort: "-date_updated"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.clientTable(rq, n, cs, nil, "")
		t.Title, t.Empty = rq.T("Clients"), rq.T("No clients.")
		t.More = &ref{Label: rq.T("All their clients"), Href: ui.listURL(kindClient) + "?sales_contact_id=" + itoa(u.ID)}
		body.Related = append(body.Related, t)
	}
	if !self && rq.can(crm.ResourceEvent, crm.ActionRead) && u.Role == crm.RoleSupport {
		n := newNames(ui, rq)
		es, _, err := ui.svc.ListEvents(rq.ctx, crm.EventFilter{SupportContactID: &u.ID,
			ListOptions: crm.ListOptions{Limit: 10, Sort: "-event_date"}})
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := ui.eventTable(rq, n, es, nil, "")
		t.Title, t.Empty = rq.T("Events"), rq.T("No events.")
		t.More = &ref{Label: rq.T("All their events"), Href: ui.listURL(kindEvent) + "?support_contact_id=" + itoa(u.ID)}
		body.Related = append(body.Related, t)
	}
	vw := ui.newView(rq, section, heading, body)
	vw.Crumbs = ui.crumbs(rq, kindUser, heading)
	if !rq.canAll(crm.ResourceUser, crm.ActionRead) {
		vw.Crumbs = []crumb{{Label: rq.T("Dashboard"), Href: ui.root + "/"}, {Label: rq.T("My profile")}}
	}
	return ui.render(rq.c, status, "record", vw)
}

// userUpdate saves the user form.
func (ui *UI) userUpdate(rq *request) error {
	id := paramID(rq)
	u, err := ui.svc.GetUser(rq.ctx, id)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	f := newForm(rq.c)
	in := userInput(f, false)
	version := f.version()
	if len(f.errs) > 0 {
		return ui.userPage(rq, http.StatusUnprocessableEntity, u, f.values(), f.errs, parseFailure(rq.loc()), version)
	}
	if _, err := ui.svc.UpdateUser(rq.ctx, id, in, version); err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ui.recordURL(kindUser, id)); ok {
			return ui.userPage(rq, status, u, f.values(), errs, a, version)
		}
		return ui.fail(rq.c, rq, err)
	}
	if id == rq.actor.ID {
		ui.setFlash(rq.c, "profile-saved")
	} else {
		ui.setFlash(rq.c, "users-saved")
	}
	return rq.c.Redirect(ui.recordURL(kindUser, id), http.StatusSeeOther)
}
