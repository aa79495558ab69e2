package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// reviewPath is the address of the access review, under the UI's root.
const reviewPath = "/access-review"

// routeAccess mounts "Who can see this?" on every record page and the access review.
func (ui *UI) routeAccess(g fiber.Router) {
	for _, k := range kinds {
		g.Get("/"+k.path+"/:id<int>/access", ui.protect(ui.recordAccess(k)))
	}
	g.Get(reviewPath, ui.protect(ui.accessReview))
}

// accessURL is the address of the "Who can see this?" page of a record.
func (ui *UI) accessURL(k *kind, id int64) string { return ui.recordURL(k, id) + "/access" }

// canReview reports whether the user may see who can access what: who may read every user.
func canReview(rq *request) bool { return rq.canAll(crm.ResourceUser, crm.ActionRead) }

// tablesBody is the content of a page of tables: a heading, a lead and a back link.
type tablesBody struct {
	Heading  string
	Lead     string
	BackHref string
	BackText string
	Tables   []table
	Note     string
}

// yesNo is a badge cell saying whether something is allowed.
func yesNo(rq *request, ok bool) cell {
	if ok {
		return cell{Text: rq.T("Yes"), Badge: "green"}
	}
	return cell{Text: rq.T("No"), Badge: "gray"}
}

// reasonText is a reason of the domain in the locale's language, or its English sentence when it
// comes without its format.
func reasonText(l *locale, t crm.Text, english string) string {
	if t.Format == "" {
		return english
	}
	return l.text(t)
}

// recordAccess answers "Who can see this?" for a record: each active user, whether they may
// read and change it, and why (crm.Service.RecordAccess: 404 outside the user's read scope, 403
// for anyone but management).
func (ui *UI) recordAccess(k *kind) handler {
	return func(rq *request) error {
		id := paramID(rq)
		s, err := ui.summarize(rq, k, id)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		users, err := ui.svc.RecordAccess(rq.ctx, k.res, id)
		if err != nil {
			return ui.fail(rq.c, rq, err)
		}
		t := table{Columns: []column{{Label: rq.T("User")}, {Label: rq.T("Role")}, {Label: rq.T("Can read")}, {Label: rq.T("Can change")}, {Label: rq.T("Why")}},
			Empty: rq.T("No active user.")}
		for _, u := range users {
			why := reasonText(rq.loc(), u.ReadText, u.ReadReason)
			if u.Read && u.UpdateReason != "" {
				why = rq.T("Read: %[1]s. Change: %[2]s", why, reasonText(rq.loc(), u.UpdateText, u.UpdateReason))
			}
			t.Rows = append(t.Rows, row{Cells: []cell{
				{Text: u.Username, Href: ui.recordURL(kindUser, u.UserID), Strong: true},
				{Text: rq.loc().enumLabel(string(u.Role))}, yesNo(rq, u.Read), yesNo(rq, u.Update), {Text: why},
			}})
		}
		body := &tablesBody{Heading: rq.T("Who can see this?"), Lead: rq.T("%s · every active user, and why", s.Title),
			BackHref: ui.recordURL(k, id), BackText: rq.T("Back to the record"), Tables: []table{t},
			Note: rq.T("The answers come from the policy in force and the record's contacts as they are now. " +
				"A user who may not read a record does not see it at all; field rules (who may set contacts, roles, " +
				"usernames) still apply to a change.")}
		vw := ui.newView(rq, k.path, rq.T("Who can see %s", s.Title), body)
		vw.Crumbs = append(ui.crumbs(rq, k, ""), crumb{Label: s.Title, Href: ui.recordURL(k, id)}, crumb{Label: rq.T("Who can see this?")})
		return ui.render(rq.c, http.StatusOK, "tables", vw)
	}
}

// reachedKeys are the catalogue keys that count the records of a resource, by resource: each
// message has plural forms.
var reachedKeys = map[crm.Resource]string{crm.ResourceUser: msg("%d users"), crm.ResourceClient: msg("%d clients"),
	crm.ResourceContract: msg("%d contracts"), crm.ResourceEvent: msg("%d events")}

// reachedText counts n records of res in the locale's language ("3 clients"); the number alone
// for a resource with no key.
func reachedText(l *locale, res crm.Resource, n int) string {
	if key, ok := reachedKeys[res]; ok {
		return l.T(key, n)
	}
	return strconv.Itoa(n)
}

// accessReview is the access review: for each active user, what they may do on each resource,
// with which scopes and on how many records today, and the deactivated users who still hold
// credentials. Management only.
func (ui *UI) accessReview(rq *request) error {
	rev, err := ui.svc.ReviewAccess(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	t := table{Title: rq.T("Permissions of active users"), Columns: []column{{Label: rq.T("User")}, {Label: rq.T("Role")}, {Label: rq.T("Resource")},
		{Label: rq.T("Action")}, {Label: rq.T("Scopes")}, {Label: rq.T("Records reached"), Numeric: true}}, Empty: rq.T("No active user.")}
	for _, r := range rev.Rows {
		n := ""
		if r.Records != nil {
			n = reachedText(rq.loc(), r.Target, *r.Records)
		}
		scopes := make([]string, len(r.Scopes))
		for i, s := range r.Scopes {
			scopes[i] = rq.loc().domainWord("scope.", string(s))
		}
		t.Rows = append(t.Rows, row{Cells: []cell{
			{Text: r.Username, Href: ui.recordURL(kindUser, r.UserID), Strong: true}, {Text: rq.loc().enumLabel(string(r.Role))},
			{Text: rq.loc().domainWord("resource.", string(r.Resource))}, {Text: rq.loc().domainWord("action.", string(r.Action))}, {Text: strings.Join(scopes, ", ")}, {Text: n, Numeric: true},
		}})
	}
	flags := table{Title: rq.T("Deactivated users who still hold credentials"), Columns: []column{{Label: rq.T("User")}, {Label: rq.T("Role")},
		{Label: rq.T("Refresh tokens"), Numeric: true}, {Label: rq.T("Sessions"), Numeric: true}},
		Empty: rq.T("None: no deactivated user holds a refresh token or a session.")}
	if !rev.CredentialsChecked {
		flags.Empty = rq.T("This database cannot tell which credentials users hold.")
	}
	for _, f := range rev.Flags {
		flags.Rows = append(flags.Rows, row{Cells: []cell{
			{Text: f.Username, Href: ui.recordURL(kindUser, f.UserID), Strong: true}, {Text: rq.loc().enumLabel(string(f.Role))},
			{Text: strconv.Itoa(f.RefreshTokens), Numeric: true}, {Text: strconv.Itoa(f.Sessions), Numeric: true},
		}})
	}
	body := &tablesBody{Heading: rq.T("Access review"), Lead: rq.T("What each active user may do today, as of %s", rq.loc().timeZone(rev.At)),
		BackHref: ui.root + "/", BackText: rq.T("Dashboard"), Tables: []table{flags, t},
		Note: rq.T("Records reached counts the records within the scopes of each permission (for create, the parent records " +
			"a new one may belong to). A deactivated user cannot use the credentials they hold, but they should not exist. " +
			"The same review is available as CSV or JSON: epiccrm policy review.")}
	vw := ui.newView(rq, "access-review", rq.T("Access review"), body)
	return ui.render(rq.c, http.StatusOK, "tables", vw)
}
