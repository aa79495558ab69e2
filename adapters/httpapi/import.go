package httpapi

import (
	"context"
	"mime"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// importParams are the query parameters of the imports (POST /clients/import, /users/import).
var importParams = []queryParam{
	{name: "dry_run", kind: pBool, doc: "true: check every row and report what the import would do, writing nothing."},
}

// csvBodyDoc describes the CSV body of an import of clients in the OpenAPI document.
const csvBodyDoc = "A CSV file in UTF-8 (a byte order mark is allowed) whose first line names the columns: " +
	"email, first_name and last_name are required; phone, mobile, company, status and sales_contact_id are optional; " +
	"id, date_created and date_updated (written by an export) are ignored. A client whose email (ignoring case) " +
	"matches one you may read is updated, any other row creates a client."

// userCSVBodyDoc describes the CSV body of an import of users in the OpenAPI document.
const userCSVBodyDoc = "A CSV file in UTF-8 (a byte order mark is allowed) whose first line names the columns: " +
	"username and email are required; first_name, last_name, role (any case), is_active (true or false) and password " +
	"are optional; id, date_joined and last_login (written by an export) are ignored. A user whose email (ignoring case) " +
	"matches one you may read is updated, any other row creates a user, who needs a role and a password that passes " +
	"the password rules. The password only sets a new user's: a row with a password for a user who exists is refused, " +
	"and so is a row that changes your own role or deactivates you. Passwords never appear in the report."

// exampleUserImportCSV is the example body of an import of users.
const exampleUserImportCSV = "username,email,first_name,last_name,role,password\r\n" +
	"ann,ann@epic.example,Ann,Lee,sales,Velvet-Harbor-91\r\nbob,bob@epic.example,Bob,Stone,support,Quiet-Meadow-42\r\n"

// importFile is the handler of an import: it applies (or, with dry_run=true, tries) the CSV
// file of the request body with run, in one transaction: 200 with the report, or 422 naming
// every bad row by line when anything is wrong, with nothing written.
func (a *API) importFile(run func(ctx context.Context, data []byte, dryRun bool) (*crm.ImportReport, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
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
		rep, err := run(ctxOf(c), c.Body(), dry != nil && *dry)
		if err != nil {
			return err
		}
		return sendJSON(c, fiber.StatusOK, rep)
	}
}

// importCodeDoc describes the code of an import problem in the OpenAPI document.
var importCodeDoc = "What is wrong, as a stable machine name: translate it for your users (the message next to it " +
	"stays English). A problem of the file or of a row as a whole is one of " + strings.Join(crm.ImportCodes, ", ") +
	"; a field that a row's create or update refused has its FieldErrorCode. New codes may be added; an existing one never changes."

// exampleImport is the example report of an import.
var exampleImport = crm.ImportReport{DryRun: true, Rows: 3, Created: 1, Updated: 1, Refused: 1,
	Results: []crm.ImportRow{{Line: 2, Email: "ann@acme.example", Action: crm.ImportCreate},
		{Line: 3, Email: "bob@globex.example", Action: crm.ImportUpdate, ID: 42}},
	Errors: []crm.ImportError{{Line: 4, Field: "email", Code: string(crm.FieldInvalidEmail), Message: "required: a valid email address such as ann@example.com"}}}
