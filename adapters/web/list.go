package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// pageSize is the number of rows of a list page unless ?limit= says otherwise.
const pageSize = 25

// table is a table of records: a list page, a dashboard panel or a related list.
type table struct {
	Title   string
	Columns []column
	Rows    []row
	Empty   string
	More    *ref
	// Select adds a checkbox to each row, part of the list page's bulk form (bulk.go).
	Select bool
}

// Span is the number of columns of the table, the checkbox column included.
func (t table) Span() int {
	if t.Select {
		return len(t.Columns) + 1
	}
	return len(t.Columns)
}

// column is a table header; SortHref is set on sortable columns, Sort tells the current order.
type column struct {
	Label    string
	SortHref string
	Sort     string // "ascending", "descending" or ""
	Numeric  bool
}

// row is a table row.
type row struct {
	Cells []cell
	// ID is the record of the row, the value of its bulk checkbox.
	ID int64
}

// cell is a table cell: text, a link, or a badge (Badge names its colour).
type cell struct {
	Text    string
	Href    string
	Badge   string
	Sub     string
	Numeric bool
	Nowrap  bool
	Strong  bool
}

// listBody is the content of a list page.
type listBody struct {
	Plural      string
	NewLabel    string // the label of the button that creates a record
	SearchAria  string // the name of the search and filter form
	NewHref     string
	Table       table
	Q           string
	SearchLabel string
	Sort        string
	Limit       string
	Filters     []field
	Active      int
	Showing     string
	NextHref    string
	FirstHref   string
	ResetHref   string
	// ExportHref and ExportBOMHref download the whole filtered list as CSV (export.go);
	// ImportHref is the import page of the list, if any.
	ExportHref    string
	ExportBOMHref string
	ImportHref    string
	// Bulk is the bulk action form of the list, if the list has one (bulk.go).
	Bulk *bulkForm
}

// listQuery reads the query string of a list page: the search, the filters, the sort, the page
// size and the cursor. Values that cannot be parsed are collected, for one 400 page naming all.
type listQuery struct {
	c      *fiber.Ctx
	params url.Values
	bad    []string
	active int
}

func newListQuery(c *fiber.Ctx) *listQuery {
	params, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	q := &listQuery{c: c, params: params}
	if err != nil {
		q.bad = append(q.bad, localeOf(c).T("The query string of the address is malformed."))
	}
	return q
}

// str reads a text filter.
func (q *listQuery) str(k string) string {
	v := strings.TrimSpace(q.params.Get(k))
	if v != "" && k != "q" {
		q.active++
	}
	return v
}

// id reads an id filter.
func (q *listQuery) id(k string) *int64 {
	v := strings.TrimSpace(q.params.Get(k))
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		q.bad = append(q.bad, localeOf(q.c).T("%[1]s: %[2]s is not an id", k, strconv.Quote(v)))
		return nil
	}
	q.active++
	return &n
}

// date reads a day filter.
func (q *listQuery) date(k string) *crm.Date {
	v := strings.TrimSpace(q.params.Get(k))
	if v == "" {
		return nil
	}
	d, err := crm.ParseDate(v)
	if err != nil {
		q.bad = append(q.bad, localeOf(q.c).T("%[1]s: %[2]s is not a date such as 2027-06-30", k, strconv.Quote(v)))
		return nil
	}
	q.active++
	return &d
}

// period reads a range of days, from and to both included, as the half-open range of instants
// [start of from, start of the day after to) in UTC that EventFilter.From and To take. A to of
// 9999-12-31 leaves the range open-ended, since the day after it is past what stores compare.
func (q *listQuery) period(fromKey, toKey string) (from, to *time.Time) {
	if d := q.date(fromKey); d != nil {
		from = crm.Ptr(d.Time())
	}
	if d := q.date(toKey); d != nil {
		if end := d.Time().AddDate(0, 0, 1); end.Year() <= 9999 {
			to = &end
		}
	}
	return from, to
}

// money reads an amount filter.
func (q *listQuery) money(k string) *crm.Money {
	v := strings.TrimSpace(q.params.Get(k))
	if v == "" {
		return nil
	}
	m, err := crm.ParseMoney(v)
	if err != nil {
		q.bad = append(q.bad, localeOf(q.c).T("%[1]s: %[2]s is not an amount such as 1500.00, without thousands separators", k, strconv.Quote(v)))
		return nil
	}
	q.active++
	return &m
}

// flag reads a yes/no filter ("true").
func (q *listQuery) flag(k string) bool {
	switch strings.TrimSpace(q.params.Get(k)) {
	case "":
		return false
	case "true", "1", "on", "yes":
		q.active++
		return true
	case "false", "0", "off", "no":
		return false
	default:
		q.bad = append(q.bad, localeOf(q.c).T("%s: must be true or false", k))
		return false
	}
}

// boolPtr reads a tri-state filter: absent, "true" or "false".
func (q *listQuery) boolPtr(k string) *bool {
	switch strings.TrimSpace(q.params.Get(k)) {
	case "":
		return nil
	case "true":
		q.active++
		return crm.Ptr(true)
	case "false":
		q.active++
		return crm.Ptr(false)
	default:
		q.bad = append(q.bad, localeOf(q.c).T("%s: must be true or false", k))
		return nil
	}
}

// options reads the page size, the cursor and the sort.
func (q *listQuery) options() crm.ListOptions {
	o := crm.ListOptions{Limit: pageSize, Cursor: q.params.Get("cursor"), Sort: q.params.Get("sort")}
	if v := q.params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxLimit {
			q.bad = append(q.bad, localeOf(q.c).T("limit: must be a number from 1 to %s", strconv.Itoa(crm.MaxLimit)))
		} else {
			o.Limit = n
		}
	}
	return o
}

// with returns the list's address with the query changed: each pair sets a parameter, or
// removes it when the value is "".
func (q *listQuery) with(base string, kv ...string) string {
	p := url.Values{}
	for k, vs := range q.params {
		p[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			p.Del(kv[i])
		} else {
			p.Set(kv[i], kv[i+1])
		}
	}
	if len(p) == 0 {
		return base
	}
	return base + "?" + p.Encode()
}

// column returns a header; a sortable one links to the list sorted by key, ascending first and
// then, on a second click, descending. Sorting starts again from the first page.
func (q *listQuery) column(base, label, key string, numeric bool) column {
	col := column{Label: label, Numeric: numeric}
	if key == "" {
		return col
	}
	next := key
	switch q.params.Get("sort") {
	case key:
		col.Sort = "ascending"
		next = "-" + key
	case "-" + key:
		col.Sort = "descending"
	}
	col.SortHref = q.with(base, "sort", next, "cursor", "")
	return col
}

// fetch returns one page of a list and the number of rows of the whole list: what a list page
// shows. Both calls take the same filter, so that the count is the count of that list.
func fetch[F, T any](ctx context.Context, f F, list func(context.Context, F) ([]T, string, error),
	count func(context.Context, F) (int, error)) (items []T, next string, total int, err error) {
	items, next, err = list(ctx, f)
	if err != nil {
		return nil, "", 0, err
	}
	total, err = count(ctx, f)
	if err != nil {
		return nil, "", 0, err
	}
	return items, next, total, nil
}

// finish fills the paging part of a list body: n rows on this page, total in the whole list.
func (q *listQuery) finish(base string, body *listBody, n, total int, next string) {
	l := localeOf(q.c)
	body.Q = q.params.Get("q")
	body.Sort = q.params.Get("sort")
	body.Limit = q.params.Get("limit")
	body.Active = q.active
	body.ResetHref = base
	body.ExportHref = q.with(base, "export", "csv", "cursor", "", "bom", "")
	body.ExportBOMHref = q.with(base, "export", "csv", "cursor", "", "bom", "true")
	switch {
	case total == 0:
		body.Showing = l.T("No results")
	case next == "" && q.params.Get("cursor") == "":
		body.Showing = l.T("%d results", total)
	default:
		body.Showing = l.T("%d results", total) + l.T(", %d on this page", n)
	}
	if next != "" {
		body.NextHref = q.with(base, "cursor", next)
	}
	if q.params.Get("cursor") != "" {
		body.FirstHref = q.with(base, "cursor", "")
	}
}

// select builds a select filter from fixed choices.
func selectFilter(l *locale, name, label, value string, choices ...string) field {
	f := field{Name: name, Label: l.T(label), Type: "select", Value: value}
	f.Options = append(f.Options, option{Value: "", Label: l.T("Any"), Selected: value == ""})
	for i := 0; i+1 < len(choices); i += 2 {
		f.Options = append(f.Options, option{Value: choices[i], Label: l.T(choices[i+1]), Selected: value == choices[i]})
	}
	return f
}
