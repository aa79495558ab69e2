package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// The API keys page: management lists the keys, creates one (its secret is shown once, on the
// page that follows) and revokes one after confirmation, through the crm.Service methods the
// REST API uses. A key acts as its service account, a user of kind service, which the users
// pages mark with a badge.

// apiKeysPath is where the API keys page is, under the UI's root.
const apiKeysPath = "/api-keys"

func init() {
	flashMessages["api-key-revoked"] = flash{"success", msg("The API key is revoked: it no longer works, and its service account is deactivated.")}
}

// routeAPIKeys mounts the API keys pages.
func (ui *UI) routeAPIKeys(g fiber.Router) {
	g.Get(apiKeysPath, ui.protect(ui.apiKeysPage))
	g.Post(apiKeysPath, ui.protect(ui.createAPIKey))
	g.Get(apiKeysPath+"/:id<int>/revoke", ui.protect(ui.confirmRevokeAPIKey))
	g.Post(apiKeysPath+"/:id<int>/revoke", ui.protect(ui.revokeAPIKey))
}

// canManageKeys reports whether to offer the API keys page: to who may create and read any
// user, as the service requires.
func canManageKeys(rq *request) bool {
	return rq.canAll(crm.ResourceUser, crm.ActionRead) && rq.canAll(crm.ResourceUser, crm.ActionCreate)
}

// serviceBadges is the "Service account" badge of the account of an API key, none for a person.
func serviceBadges(rq *request, u *crm.User) []cell {
	if u.Kind != crm.KindService {
		return nil
	}
	return []cell{{Text: rq.T("Service account"), Badge: "indigo"}}
}

// serviceNote is the note under the role of an API key's account in the users list.
func serviceNote(rq *request, u *crm.User) string {
	if u.Kind != crm.KindService {
		return ""
	}
	return rq.T("Service account (API key)")
}

// apiKeysPage shows the keys and the form that creates one.
func (ui *UI) apiKeysPage(rq *request) error {
	return ui.renderAPIKeys(rq, http.StatusOK, values{"role": string(crm.RoleSales)}, formErrors{}, nil)
}

// renderAPIKeys renders the keys and the creation form; a (when set) says what happened, such
// as the key just created.
func (ui *UI) renderAPIKeys(rq *request, status int, v values, errs formErrors, a *alert) error {
	keys, err := rq.svc.ListAPIKeys(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	l := rq.loc()
	t := table{Title: l.T("Keys"), Empty: l.T("No API key yet."),
		Columns: []column{{Label: l.T("Name")}, {Label: l.T("Key")}, {Label: l.T("Role")}, {Label: l.T("State")},
			{Label: l.T("Created")}, {Label: l.T("Last used")}, {Label: l.T("Action")}}}
	for _, k := range keys {
		state, revoke := cell{Text: l.T("Active"), Badge: "green"}, cell{Text: l.T("Revoke"), Href: ui.root + apiKeysPath + "/" + itoa(k.ID) + "/revoke"}
		switch {
		case k.RevokedAt != nil:
			state, revoke = cell{Text: l.T("Revoked"), Badge: "gray", Sub: l.time(*k.RevokedAt)}, cell{}
		case k.ExpiresAt != nil && !k.ExpiresAt.After(ui.now()):
			state = cell{Text: l.T("Expired"), Badge: "amber", Sub: l.time(*k.ExpiresAt)}
		}
		t.Rows = append(t.Rows, row{ID: k.ID, Cells: []cell{{Text: k.Name, Href: ui.recordURL(kindUser, k.UserID), Strong: true},
			{Text: k.Prefix + "…"}, {Text: l.roleLabel(k.Role), Badge: roleBadge(k.Role)}, state,
			{Text: l.time(k.CreatedAt), Nowrap: true}, {Text: l.timePtr(k.LastUsedAt), Nowrap: true}, revoke}})
	}
	fs := &fieldSet{values: v, errs: errs}
	fs.add(field{Name: "name", Label: l.T("Name"), Type: "text", Required: true, Placeholder: l.T("Billing export"),
		Help: l.T("What the key is for. It becomes the name of the key's service account.")})
	roles := []option{}
	for _, r := range crm.Roles {
		roles = append(roles, option{Value: string(r), Label: l.roleLabel(r)})
	}
	fs.add(field{Name: "role", Label: l.T("Role"), Type: "select", Required: true, Options: roles,
		Help: l.T("The key may do what a user of this role may do, on the records of its own account.")})
	title := l.T("API keys")
	body := &recordBody{Heading: title,
		Sub:     l.T("Keys let another system call the REST API as a service account, with Authorization: Bearer and the key."),
		Form:    &formBody{Action: ui.root + apiKeysPath, Fields: fs.fields, Submit: l.T("Create the key"), Cancel: ui.root + "/", Alert: a},
		Related: []table{t}}
	return ui.render(rq.c, status, "record", ui.newView(rq, "api-keys", title, body))
}

// createAPIKey creates a key (POST) and shows it, this once.
func (ui *UI) createAPIKey(rq *request) error {
	f := newForm(rq.c)
	in := crm.APIKeyInput{Name: f.str("name"), Role: strOpt[crm.Role](f.str("role"))}
	v := values{"name": in.Name.Value, "role": string(in.Role.Value)}
	k, err := rq.svc.CreateAPIKey(rq.ctx, in)
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.renderAPIKeys(rq, status, v, errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	l := rq.loc()
	return ui.renderAPIKeys(rq, http.StatusCreated, values{"role": string(crm.RoleSales)}, formErrors{}, &alert{Kind: "warning",
		Title: l.T("Your new API key, shown only this once: copy it now"), Text: k.Key})
}

// apiKey returns the key of the path, or ENOTFOUND.
func (ui *UI) apiKey(rq *request) (*crm.APIKey, error) {
	keys, err := rq.svc.ListAPIKeys(rq.ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == paramID(rq) {
			return k, nil
		}
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "no such API key")
}

// confirmRevokeAPIKey asks to confirm the revocation of the key of the path.
func (ui *UI) confirmRevokeAPIKey(rq *request) error {
	k, err := ui.apiKey(rq)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	l := rq.loc()
	title := l.T("Revoke this API key?")
	back := ui.root + apiKeysPath
	body := &confirmBody{Question: title, Title: k.Name + " (" + k.Prefix + "…)", Href: back, Action: back + "/" + itoa(k.ID) + "/revoke",
		Text: l.T("The key stops working at once and its service account is deactivated. This cannot be undone: make a new key if needed."),
		Yes:  l.T("Yes, revoke it"), No: l.T("No, keep it")}
	vw := ui.newView(rq, "api-keys", title, body)
	vw.Crumbs = []crumb{{Label: l.T("Dashboard"), Href: ui.root + "/"}, {Label: l.T("API keys"), Href: back}, {Label: title}}
	return ui.render(rq.c, http.StatusOK, "confirm", vw)
}

// revokeAPIKey revokes the key of the path (POST).
func (ui *UI) revokeAPIKey(rq *request) error {
	return ui.doneTo(rq, rq.svc.RevokeAPIKey(rq.ctx, paramID(rq)), "api-key-revoked", ui.root+apiKeysPath)
}
