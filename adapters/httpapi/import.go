package httpapi

import (
	"mime"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// importParams are the query parameters of POST /clients/import.
var importParams = []queryParam{
	{name: "dry_run", kind: pBool, doc: "true: check every row and report what the import would do, writing nothing."},
}

// csvBodyDoc describes the CSV body of an import in the OpenAPI document.
const csvBodyDoc = "A CSV file in UTF-8 (a byte order mark is allowed) whose first line names the columns: " +
	"email, first_name and last_name are required; phone, mobile, company, status and sales_contact_id are optional; " +
	"id, date_created and date_updated (written by an export) are ignored. A client whose email (ignoring case) " +
	"matches one you may read is updated, any other row creates a client."

// importClients applies (or, with dry_run=true, tries) a CSV file of clients in one
// transaction: 200 with the report, or 422 naming every bad row by line when anything is
// wrong, with nothing written.
func (a *API) importClients(c *fiber.Ctx) error {
	q, err := parseQuery(c, importParams)
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != mimeCSV {
		return errStatus(fiber.StatusUnsupportedMediaType,
			"send the file as the request body with Content-Type: text/csv")
	}
	dry := q.boolean("dry_run")
	rep, err := a.svc.ImportClients(ctxOf(c), c.Body(), dry != nil && *dry)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, rep)
}

// exampleImport is the example report of an import.
var exampleImport = crm.ImportReport{DryRun: true, Rows: 3, Created: 1, Updated: 1, Refused: 1,
	Results: []crm.ImportRow{{Line: 2, Email: "ann@acme.example", Action: crm.ImportCreate},
		{Line: 3, Email: "bob@globex.example", Action: crm.ImportUpdate, ID: 42}},
	Errors: []crm.ImportError{{Line: 4, Field: "email", Message: "required: a valid email address such as ann@example.com"}}}
