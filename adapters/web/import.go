package web

import (
	"context"
	"io"
	"net/http"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// importer is one import page: the kind of record it imports, its texts (catalogue keys), who
// is offered it and the service method that runs it.
type importer struct {
	kind                    *kind
	heading, lead, backText string
	// required and optional are the columns a file must and may have, for the form's label.
	required, optional string
	// offered reports whether the user is shown the page (the service decides what they may do).
	offered func(rq *request) bool
	run     func(svc *crm.Service, ctx context.Context, data []byte, dryRun bool) (*crm.ImportReport, error)
	// resend tells whether the page of a good check may hold the file, for the Apply button: not
	// for a file of users, which may hold passwords that no page shows.
	resend bool
}

// The import pages.
var (
	clientImporter = &importer{kind: kindClient, heading: msg("Import clients"),
		lead:     msg("From a CSV file: each row creates a client, or updates the one you may see with the same email."),
		backText: msg("Back to clients"), required: "email,first_name,last_name",
		optional: "phone,mobile,company,status,sales_contact_id", resend: true,
		offered: func(rq *request) bool {
			return rq.can(crm.ResourceClient, crm.ActionCreate) || rq.can(crm.ResourceClient, crm.ActionUpdate)
		},
		run: (*crm.Service).ImportClients}
	userImporter = &importer{kind: kindUser, heading: msg("Import users"),
		lead: msg("From a CSV file: each row creates a user, or updates the one with the same email. " +
			"A new user needs a role and a password; a password is never shown, and never changes an existing user's."),
		backText: msg("Back to users"), required: "username,email",
		optional: "first_name,last_name,role,is_active,password",
		offered:  func(rq *request) bool { return rq.can(crm.ResourceUser, crm.ActionCreate) },
		run:      (*crm.Service).ImportUsers}
	importers = []*importer{clientImporter, userImporter}
)

// importBody is the content of an import page: the form, and after a dry run or an import,
// its report.
type importBody struct {
	Heading, Lead, BackText string
	Required, Optional      string
	Action                  string
	ListHref                string
	Alert                   *alert
	Report                  *crm.ImportReport
	Summary                 string // the report's counts, in the request's language
	// Problems are the report's errors in the request's language.
	Problems []importProblem
	// CSV is the file of a dry run without errors, sent back by the Apply button so that the
	// file need not be chosen again.
	CSV string
}

// importProblem is one problem of a report as the page shows it.
type importProblem struct {
	Line        int
	Field, Text string
}

func (ui *UI) routeImport(g fiber.Router) {
	for _, im := range importers {
		p := "/" + im.kind.path + "/import"
		g.Get(p, ui.protect(ui.importPage(im)))
		g.Post(p, ui.protect(ui.importFile(im)))
	}
}

// importHref is the address of the import page of k, or "" when the user is not offered it.
func (ui *UI) importHref(rq *request, im *importer) string {
	if !im.offered(rq) {
		return ""
	}
	return ui.listURL(im.kind) + "/import"
}

// importPage is the form to upload a CSV file; a user who is not offered the import does not
// learn that the page exists.
func (ui *UI) importPage(im *importer) handler {
	return func(rq *request) error {
		if !im.offered(rq) {
			return ui.notFound(rq.c, rq)
		}
		return ui.renderImport(rq, im, http.StatusOK, &importBody{})
	}
}

// importFile runs a dry run of an uploaded file (the "Check" button), or applies a file (the
// "Import" button, with the file or the one a dry run sent back), and shows the report: the
// counts, and every problem with its line number.
func (ui *UI) importFile(im *importer) handler {
	return func(rq *request) error {
		data, err := importedFile(rq.c)
		if err != nil {
			return ui.renderImport(rq, im, http.StatusBadRequest, &importBody{Alert: &alert{Kind: "danger",
				Title: rq.T("No file to import"), Text: rq.T("Choose a CSV file, then check it.")}})
		}
		dry := postValue(rq.c, "apply") == ""
		rep, err := im.run(ui.svc, rq.ctx, data, dry)
		if rep == nil {
			return ui.fail(rq.c, rq, err)
		}
		body := &importBody{Report: rep}
		switch {
		case len(rep.Errors) > 0:
			body.Alert = &alert{Kind: "danger", Title: rq.T("Nothing was imported"), Text: rq.T("%s. Fix the lines below in the file and check it again.", importSummary(rq, rep))}
			return ui.renderImport(rq, im, http.StatusUnprocessableEntity, body)
		case dry && im.resend:
			body.Alert = &alert{Kind: "info", Title: rq.T("The file is fine"), Text: rq.T("%s. Nothing is written until you import it.", importSummary(rq, rep))}
			body.CSV = string(data)
		case dry:
			body.Alert = &alert{Kind: "info", Title: rq.T("The file is fine"), Text: rq.T("%s. Nothing is written until you import it: choose the file again and press Import.", importSummary(rq, rep))}
		default:
			body.Alert = &alert{Kind: "info", Title: rq.T("Imported"), Text: importSummary(rq, rep) + "."}
		}
		return ui.renderImport(rq, im, http.StatusOK, body)
	}
}

// importedFile returns the uploaded file (the "file" field of a multipart form) or the file a
// dry run sent back (the "csv" field).
func importedFile(c *fiber.Ctx) ([]byte, error) {
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	if v := postValue(c, "csv"); v != "" {
		return []byte(v), nil
	}
	return nil, fiber.ErrBadRequest
}

func (ui *UI) renderImport(rq *request, im *importer, status int, body *importBody) error {
	body.Heading, body.Lead, body.BackText = rq.T(im.heading), rq.T(im.lead), rq.T(im.backText)
	body.Required, body.Optional = im.required, im.optional
	body.Action = ui.listURL(im.kind) + "/import"
	body.ListHref = ui.listURL(im.kind)
	if body.Report != nil {
		body.Summary = importSummary(rq, body.Report)
		for _, e := range body.Report.Errors {
			body.Problems = append(body.Problems, importProblem{Line: e.Line, Field: e.Field, Text: rq.loc().importMessage(e)})
		}
	}
	return ui.render(rq.c, status, "import", ui.newView(rq, im.kind.path, body.Heading, body))
}

// importSummary says in the request's language what an import report counts (crm's Summary in
// English).
func importSummary(rq *request, r *crm.ImportReport) string {
	var s string
	if r.DryRun {
		s = rq.T("%d rows: %d would be created, %d would be updated, %d unchanged, %d refused", r.Rows, r.Created, r.Updated, r.Unchanged, r.Refused)
	} else {
		s = rq.T("%d rows: %d created, %d updated, %d unchanged, %d refused", r.Rows, r.Created, r.Updated, r.Unchanged, r.Refused)
	}
	if len(r.Errors) > 0 && !r.DryRun {
		s += rq.T("; nothing was written")
	}
	return s
}

// importMessage translates an import problem by its code: import.<code> for the import's own
// problems, the field error's text for a field a row's write refused. The English message of
// the domain is kept for a code the catalogue does not know.
func (l *locale) importMessage(e crm.ImportError) string {
	if !slices.Contains(crm.ImportCodes, e.Code) {
		return l.fieldMessage(crm.FieldError{Field: e.Field, Code: crm.FieldCode(e.Code), Message: e.Message, Args: e.Args})
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		args[i] = a
	}
	return l.T("import."+e.Code, args...)
}
