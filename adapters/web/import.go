package web

import (
	"io"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// importBody is the content of the client import page: the form, and after a dry run or an
// import, its report.
type importBody struct {
	Action   string
	ListHref string
	Alert    *alert
	Report   *crm.ImportReport
	Summary  string // the report's counts, in the request's language
	// CSV is the file of a dry run without errors, sent back by the Apply button so that the
	// file need not be chosen again.
	CSV string
}

func (ui *UI) routeImport(g fiber.Router) {
	p := "/" + kindClient.path + "/import"
	g.Get(p, ui.protect(ui.importPage))
	g.Post(p, ui.protect(ui.importClients))
}

// importPage is the form to upload a CSV file of clients.
func (ui *UI) importPage(rq *request) error {
	return ui.renderImport(rq, http.StatusOK, &importBody{})
}

// importClients runs a dry run of an uploaded file (the "Check" button), or applies a file
// (the "Import" button, with the file or the one a dry run sent back), and shows the report:
// the counts, and every problem with its line number.
func (ui *UI) importClients(rq *request) error {
	data, err := importedFile(rq.c)
	if err != nil {
		return ui.renderImport(rq, http.StatusBadRequest, &importBody{Alert: &alert{Kind: "danger",
			Title: rq.T("No file to import"), Text: rq.T("Choose a CSV file, then check it.")}})
	}
	dry := postValue(rq.c, "apply") == ""
	rep, err := ui.svc.ImportClients(rq.ctx, data, dry)
	if rep == nil {
		return ui.fail(rq.c, rq, err)
	}
	body := &importBody{Report: rep}
	switch {
	case len(rep.Errors) > 0:
		body.Alert = &alert{Kind: "danger", Title: rq.T("Nothing was imported"), Text: rq.T("%s. Fix the lines below in the file and check it again.", importSummary(rq, rep))}
		return ui.renderImport(rq, http.StatusUnprocessableEntity, body)
	case dry:
		body.Alert = &alert{Kind: "info", Title: rq.T("The file is fine"), Text: rq.T("%s. Nothing is written until you import it.", importSummary(rq, rep))}
		body.CSV = string(data)
	default:
		body.Alert = &alert{Kind: "info", Title: rq.T("Imported"), Text: importSummary(rq, rep) + "."}
	}
	return ui.renderImport(rq, http.StatusOK, body)
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

func (ui *UI) renderImport(rq *request, status int, body *importBody) error {
	body.Action = ui.listURL(kindClient) + "/import"
	body.ListHref = ui.listURL(kindClient)
	if body.Report != nil {
		body.Summary = importSummary(rq, body.Report)
	}
	return ui.render(rq.c, status, "import", ui.newView(rq, kindClient.path, rq.T("Import clients"), body))
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
