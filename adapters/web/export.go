package web

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
)

// exporting reports whether a list page is asked as a CSV file (?export=csv, the Export
// buttons of the list pages), and whether with a byte order mark for Excel (&bom=true).
func exporting(rq *request) (csv, bom bool) {
	return rq.c.Query("export") == "csv", rq.c.Query("bom") == "true"
}

// exportList answers a list page asked as a CSV file: the whole list the page's filters and sort
// select, from its first row, in the caller's read scope (list is the crm.Service list with the
// page's filter; *opts is that filter's paging), streamed page by page (internal/csvsafe).
func exportList[T any](ui *UI, rq *request, name string, cols []csvsafe.Column[T], bom bool,
	opts *crm.ListOptions, list func(ctx context.Context) ([]T, string, error)) error {
	opts.Limit, opts.Cursor = crm.MaxLimit, ""
	first, next, err := list(rq.ctx)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	csvsafe.Serve(rq.c, rq.ctx, csvsafe.Stream[T]{Name: name, Cols: cols, BOM: bom, First: first, Next: next,
		More: func(ctx context.Context, cursor string) ([]T, string, error) {
			opts.Cursor = cursor
			return list(ctx)
		}, PageBudget: ui.cfg.RequestTimeout, Log: ui.log})
	return nil
}
