package httpapi

import (
	"context"
	"mime"
	"strconv"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
	"github.com/gofiber/fiber/v2"
)

// mimeCSV is the media type of the CSV exports and imports.
const mimeCSV = "text/csv"

// bomParam is the query parameter of the lists that puts a byte order mark in front of a CSV
// export, for Excel.
var bomParam = queryParam{name: "bom", kind: pBool,
	doc: "With Accept: text/csv, start the file with a UTF-8 byte order mark (for Excel); same as Accept: text/csv; bom=true."}

// csvAccept reports whether the request asks for CSV, and whether with a byte order mark (an
// Accept parameter bom=true, or the query's bom=true). CSV is chosen when Accept names text/csv
// with a quality at least that of JSON (application/json, application/* or */*).
func csvAccept(c *fiber.Ctx, q *query) (csv, bom bool) {
	qCSV, qJSON := 0.0, 0.0
	for _, part := range strings.Split(c.Get(fiber.HeaderAccept), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		quality := 1.0
		if v, ok := params["q"]; ok {
			if quality, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case mimeCSV:
			if quality > qCSV {
				qCSV = quality
				bom = strings.EqualFold(params["bom"], "true")
			}
		case fiber.MIMEApplicationJSON, "application/*", "*/*":
			qJSON = max(qJSON, quality)
		}
	}
	if qCSV == 0 || qCSV < qJSON {
		return false, false
	}
	if b := q.boolean("bom"); b != nil {
		bom = bom || *b
	}
	return true, bom
}

// sendList answers a list request: one page as JSON, or, when the request asks for CSV, the
// whole list from the cursor given (every page, whatever limit says) as a streamed CSV file.
// list reads one page with the options in *opts.
func sendList[T any](c *fiber.Ctx, a *API, q *query, name string, cols []csvsafe.Column[T],
	opts *crm.ListOptions, list func(ctx context.Context) ([]T, string, error)) error {
	csv, bom := csvAccept(c, q)
	if !csv {
		items, next, err := list(ctxOf(c))
		if err != nil {
			return err
		}
		return sendPage(c, items, next)
	}
	opts.Limit = crm.MaxLimit
	// The first page is read before the response starts, so that a bad filter or a refusal is
	// still a problem response.
	first, next, err := list(ctxOf(c))
	if err != nil {
		return err
	}
	csvsafe.Serve(c, ctxOf(c), csvsafe.Stream[T]{Name: name, Cols: cols, BOM: bom, First: first, Next: next,
		More: func(ctx context.Context, cursor string) ([]T, string, error) {
			opts.Cursor = cursor
			return list(ctx)
		}, PageBudget: a.cfg.RequestTimeout, Log: a.log})
	return nil
}

// csvExportDoc describes the CSV form of a list in the OpenAPI document.
const csvExportDoc = "The whole list (every page, from the cursor given; limit is ignored), streamed: a header line " +
	"of the JSON field names, then one line per record, in UTF-8 (with a byte order mark first when asked: bom=true), " +
	"lines ending with CRLF. Times are ISO 8601 in UTC to the second, days YYYY-MM-DD, amounts decimal with a point " +
	"(1500.00), empty cells for null. A cell starting with =, +, -, @, a tab or a carriage return gets a leading ' so " +
	"that no spreadsheet runs it as a formula. A file whose last line starts with ERROR: stopped before its end."

// exampleImportCSV is the example body of an import.
const exampleImportCSV = "email,first_name,last_name,company\r\nann@acme.example,Ann,Lee,Acme Corp\r\nbob@globex.example,Bob,Stone,Globex\r\n"
