package httpapi

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// paramKind is how a query parameter's value is parsed.
type paramKind int

const (
	pText   paramKind = iota // any text, at most maxTextParam characters
	pID                      // a positive integer id
	pDay                     // a day, YYYY-MM-DD
	pTime                    // an instant, an RFC 3339 date-time
	pMoney                   // a non-negative decimal amount
	pBool                    // true or false
	pLimit                   // a page size, 1 to crm.MaxLimit
	pCursor                  // an opaque cursor from next_cursor
	pSort                    // a sortable field, '-' for descending
)

// maxTextParam bounds text filters, which no legitimate search needs to exceed.
const maxTextParam = 200

// queryParam is a query parameter an endpoint accepts; the OpenAPI document lists the same.
type queryParam struct {
	name string
	kind paramKind
	doc  string
	// enum lists the accepted values of a text parameter (the domain checks them).
	enum []string
}

// query holds the parsed query parameters of a request.
type query struct {
	declared map[string]queryParam
	values   map[string]any
}

// parseQuery parses the query string against the parameters an endpoint declares. It answers
// 400 naming every parameter that is unknown, repeated or unparseable.
func parseQuery(c *fiber.Ctx, params []queryParam) (*query, error) {
	q := &query{declared: map[string]queryParam{}, values: map[string]any{}}
	for _, p := range params {
		q.declared[p.name] = p
	}
	var fe []crm.FieldError
	seen := map[string]bool{}
	for k, v := range c.Context().QueryArgs().All() {
		name := string(k)
		p, ok := q.declared[name]
		switch {
		case !ok:
			fe = append(fe, crm.FieldError{Field: name, Code: crm.FieldUnknown, Message: "is not a query parameter of this endpoint"})
		case seen[name]:
			fe = append(fe, crm.FieldError{Field: name, Code: crm.FieldDuplicate, Message: "is given more than once"})
		default:
			val, msg := parseParam(p, string(v))
			if msg != "" {
				fe = append(fe, crm.FieldError{Field: name, Code: crm.FieldInvalidValue, Message: msg})
			} else if val != nil {
				q.values[name] = val
			}
		}
		seen[name] = true
	}
	if len(fe) > 0 {
		sort.SliceStable(fe, func(i, j int) bool { return fe[i].Field < fe[j].Field })
		names := make([]string, len(fe))
		for i, f := range fe {
			names[i] = f.Field
		}
		return nil, &crm.Error{Code: crm.EMALFORMED, Fields: fe,
			Message: "bad query parameters: " + strings.Join(names, ", ")}
	}
	return q, nil
}

// parseParam parses one value; it returns nil for an empty text filter, which filters nothing.
func parseParam(p queryParam, v string) (any, string) {
	switch p.kind {
	case pText:
		if utf8.RuneCountInString(v) > maxTextParam {
			return nil, "must be at most " + itoa(maxTextParam) + " characters"
		}
		if hasControl(v) {
			return nil, "must not contain control characters"
		}
		if v == "" {
			return nil, ""
		}
		return v, ""
	case pID:
		id, ok := parseID(v)
		if !ok {
			return nil, "must be an id (a positive integer)"
		}
		return id, ""
	case pDay:
		d, err := crm.ParseDate(v)
		if err != nil {
			return nil, "must be a date such as 2027-06-01"
		}
		return d, ""
	case pTime:
		return parseInstant(v)
	case pMoney:
		m, err := crm.ParseMoney(v)
		if err != nil || m < 0 {
			return nil, "must be a non-negative amount such as 1500.00"
		}
		return m, ""
	case pBool:
		switch v {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, "must be true or false"
	case pLimit:
		n, ok := parseID(v)
		if !ok || n > crm.MaxLimit {
			return nil, "must be an integer from 1 to " + itoa(crm.MaxLimit)
		}
		return int(n), ""
	case pCursor:
		if v == "" || len(v) > 1024 {
			return nil, "must be the next_cursor of a previous page"
		}
		return v, ""
	case pSort:
		if v == "" || len(v) > 64 {
			return nil, "must be a field name, with a leading - for descending order"
		}
		return v, ""
	}
	return nil, "is not supported"
}

// parseInstant parses an RFC 3339 date-time into UTC. A query string decodes an unescaped + to
// a space, so an offset such as +02:00 arrives as " 02:00": the message then says how to send it.
// An offset can carry an instant out of the years 0001 to 9999 in UTC, which not every store
// compares correctly, so such an instant is refused too.
func parseInstant(v string) (any, string) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		msg := "must be an RFC 3339 date-time with a zone, such as 2027-06-01T18:00:00Z or 2027-06-01T20:00:00%2B02:00"
		if strings.Contains(v, " ") {
			msg += " (a + in the query string means a space: send it as %2B)"
		}
		return nil, msg
	}
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
		return nil, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
	}
	return t, ""
}

// hasControl reports whether s holds an ASCII control character (NUL included), which no
// search needs and some databases refuse.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// refuseQuery is the middleware of the endpoints that take no query parameter: one sent to them
// is refused rather than ignored.
func refuseQuery(c *fiber.Ctx) error {
	if _, err := parseQuery(c, nil); err != nil {
		return err
	}
	return c.Next()
}

// parseID parses a positive int64 written in plain decimal digits: no sign, no leading zero,
// no spaces, so that every id has one spelling.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// get returns the parsed value of a declared parameter, or nil. Asking for an undeclared one
// is a bug in the endpoint, since the caller could never have sent it.
func (q *query) get(name string) any {
	if _, ok := q.declared[name]; !ok {
		panic("httpapi: query parameter " + name + " is not declared by this endpoint")
	}
	return q.values[name]
}

// text returns a text parameter, or "".
func (q *query) text(name string) string {
	s, _ := q.get(name).(string)
	return s
}

// id returns an id parameter, or nil.
func (q *query) id(name string) *int64 {
	if v, ok := q.get(name).(int64); ok {
		return &v
	}
	return nil
}

// idValue returns an id parameter, or 0.
func (q *query) idValue(name string) int64 {
	v, _ := q.get(name).(int64)
	return v
}

// day returns a day parameter, or nil.
func (q *query) day(name string) *crm.Date {
	if v, ok := q.get(name).(crm.Date); ok {
		return &v
	}
	return nil
}

// instant returns a date-time parameter (in UTC), or nil.
func (q *query) instant(name string) *time.Time {
	if v, ok := q.get(name).(time.Time); ok {
		return &v
	}
	return nil
}

// money returns an amount parameter, or nil.
func (q *query) money(name string) *crm.Money {
	if v, ok := q.get(name).(crm.Money); ok {
		return &v
	}
	return nil
}

// flag returns a boolean parameter, false when absent.
func (q *query) flag(name string) bool {
	v, _ := q.get(name).(bool)
	return v
}

// boolean returns a boolean parameter, or nil when absent.
func (q *query) boolean(name string) *bool {
	if v, ok := q.get(name).(bool); ok {
		return &v
	}
	return nil
}

// list returns the paging and sorting options.
func (q *query) list() crm.ListOptions {
	limit, _ := q.get("limit").(int)
	cursor, _ := q.get("cursor").(string)
	sortBy, _ := q.get("sort").(string)
	return crm.ListOptions{Limit: limit, Cursor: cursor, Sort: sortBy}
}

// listParams returns the paging and sorting parameters of a list, whose sortable fields are
// sortable, followed by its filters.
func listParams(sortable []string, filters ...queryParam) []queryParam {
	var sorts []string
	for _, f := range sortable {
		sorts = append(sorts, f, "-"+f)
	}
	return append([]queryParam{
		{name: "limit", kind: pLimit, doc: "Page size, from 1 to " + itoa(crm.MaxLimit) + " (default " + itoa(crm.DefaultLimit) + ")."},
		{name: "cursor", kind: pCursor, doc: "The next_cursor of the previous page."},
		{name: "sort", kind: pSort, doc: "Sort field; prefix it with - for descending order (default id).", enum: sorts},
		bomParam,
	}, filters...)
}
