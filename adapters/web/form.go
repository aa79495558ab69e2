package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// field is one input of a form or of a filter panel, with its label, current value and, after a
// failed submission, its error.
type field struct {
	Name         string
	Label        string
	Type         string // text, email, tel, password, number, decimal, date, datetime-local, textarea, select, checkbox
	Value        string
	Checked      bool
	Options      []option
	Required     bool
	Help         string
	Error        string
	Autocomplete string
	Placeholder  string
	Wide         bool // spans the whole row of the form grid
	Min, Step    string
}

// option is one choice of a select.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// alert is a message at the top of a form: why a submission failed, or a warning.
type alert struct {
	Kind   string // danger, warning, info
	Title  string
	Text   string
	Reload string // a link to reload the record, after a concurrent change
}

// formBody is a form page's form: the fields, the record version it was filled from (sent back
// as ifVersion), and the buttons.
type formBody struct {
	Action  string
	Fields  []field
	Version int64
	Submit  string
	Cancel  string
	Alert   *alert
	// Search is the client search shown above the form, if any (typeahead.go).
	Search *clientSearch
}

// values are the raw values of a form's fields, from a record or from a submission, so that a
// failed submission shows back exactly what the user typed.
type values map[string]string

// formErrors maps a field name to the message shown next to it.
type formErrors map[string]string

// fieldErrors turns the field errors of a service error into a formErrors, each message
// translated by its code.
func (l *locale) fieldErrors(err error) formErrors {
	fe := formErrors{}
	for _, f := range crm.ErrorFields(err) {
		m := l.fieldMessage(f)
		if prev, ok := fe[f.Field]; ok {
			fe[f.Field] = prev + " " + m
		} else {
			fe[f.Field] = m
		}
	}
	return fe
}

// fieldSet builds the fields of a form from its values and errors.
type fieldSet struct {
	values values
	errs   formErrors
	fields []field
}

// add appends f, filling its value (or checked state, or selected option) and its error.
func (fs *fieldSet) add(f field) {
	v := fs.values[f.Name]
	switch f.Type {
	case "checkbox":
		f.Checked = v == "true"
	case "select":
		for i := range f.Options {
			f.Options[i].Selected = f.Options[i].Value == v
		}
	}
	f.Value = v
	f.Error = fs.errs[f.Name]
	fs.fields = append(fs.fields, f)
}

// unknownErrors returns the errors of fields that the form does not show, so that none is lost.
func (fs *fieldSet) unknownErrors() []string {
	var out []string
	for name, msg := range fs.errs {
		found := false
		for _, f := range fs.fields {
			found = found || f.Name == name
		}
		if !found {
			out = append(out, name+": "+msg)
		}
	}
	return out
}

// form reads a url-encoded form body into the Opt fields of a domain input. A field the form
// did not send stays unset; a field that cannot be parsed is recorded in errs, with the
// service never called, so the user sees it next to the field.
type form struct {
	c    *fiber.Ctx
	l    *locale
	errs formErrors
	// prev holds the instants the edited record had, by field, so that a date and time saved
	// unchanged keeps its instant (see parseInputTime).
	prev map[string]time.Time
}

func newForm(c *fiber.Ctx) *form {
	return &form{c: c, l: localeOf(c), errs: formErrors{}, prev: map[string]time.Time{}}
}

// values returns what was sent, for showing the form again.
func (f *form) values() values {
	v := values{}
	for k, val := range f.c.Request().PostArgs().All() {
		v[string(k)] = string(val) // the last value wins, as for is_active's hidden "false"
	}
	return v
}

func (f *form) raw(k string) (string, bool) {
	if !posted(f.c, k) {
		return "", false
	}
	vs := postValues(f.c, k)
	return vs[len(vs)-1], true
}

// str reads a text field.
func (f *form) str(k string) crm.Opt[string] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[string]{}
	}
	return crm.Some(v)
}

// id reads an optional reference; an empty value clears it.
func (f *form) id(k string) crm.Opt[*int64] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[*int64]{}
	}
	if v = strings.TrimSpace(v); v == "" {
		return crm.Some[*int64](nil)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		f.errs[k] = f.l.T("Choose one of the listed records")
		return crm.Opt[*int64]{}
	}
	return crm.Some(&n)
}

// requiredID reads a mandatory reference; empty leaves it unset, for the service to report.
func (f *form) requiredID(k string) crm.Opt[int64] {
	o := f.id(k)
	if !o.Set || o.Value == nil {
		return crm.Opt[int64]{}
	}
	return crm.Some(*o.Value)
}

// money reads an amount; empty leaves it unset when optional, and is an error otherwise.
func (f *form) money(k string, optional bool) crm.Opt[crm.Money] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[crm.Money]{}
	}
	if v = strings.TrimSpace(v); v == "" {
		if !optional {
			f.errs[k] = f.l.T("field.required")
		}
		return crm.Opt[crm.Money]{}
	}
	m, err := crm.ParseMoney(v)
	if err != nil {
		f.errs[k] = f.l.T("Enter an amount such as 1500.00, without thousands separators.")
		return crm.Opt[crm.Money]{}
	}
	return crm.Some(m)
}

// date reads an optional calendar day; empty clears it.
func (f *form) date(k string) crm.Opt[*crm.Date] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[*crm.Date]{}
	}
	if v = strings.TrimSpace(v); v == "" {
		return crm.Some[*crm.Date](nil)
	}
	d, err := crm.ParseDate(v)
	if err != nil {
		f.errs[k] = f.l.T("Enter a date such as 2027-06-30")
		return crm.Opt[*crm.Date]{}
	}
	return crm.Some(&d)
}

// when reads a mandatory date and time (UTC); empty leaves it unset, for the service to report.
func (f *form) when(k string) crm.Opt[time.Time] {
	v, ok := f.raw(k)
	if !ok || strings.TrimSpace(v) == "" {
		return crm.Opt[time.Time]{}
	}
	var prev *time.Time
	if p, ok := f.prev[k]; ok {
		prev = &p
	}
	t, problem, args := parseInputTime(strings.TrimSpace(v), f.l.zone, prev)
	if problem != "" {
		f.errs[k] = f.l.T(problem, args...)
		return crm.Opt[time.Time]{}
	}
	return crm.Some(t)
}

// whenPtr reads an optional date and time (UTC); empty clears it.
func (f *form) whenPtr(k string) crm.Opt[*time.Time] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[*time.Time]{}
	}
	if strings.TrimSpace(v) == "" {
		return crm.Some[*time.Time](nil)
	}
	o := f.when(k)
	if !o.Set {
		return crm.Opt[*time.Time]{}
	}
	return crm.Some(&o.Value)
}

// count reads a whole number; empty means 0.
func (f *form) count(k string) crm.Opt[int] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[int]{}
	}
	if v = strings.TrimSpace(v); v == "" {
		return crm.Some(0)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.errs[k] = f.l.T("Enter a whole number")
		return crm.Opt[int]{}
	}
	return crm.Some(n)
}

// flag reads a checkbox sent with a hidden "false" before it: the last value wins.
func (f *form) flag(k string) crm.Opt[bool] {
	v, ok := f.raw(k)
	if !ok {
		return crm.Opt[bool]{}
	}
	return crm.Some(v == "true" || v == "on")
}

// version reads the record version the form was filled from (0 when absent).
func (f *form) version() int64 {
	n, _ := strconv.ParseInt(postValue(f.c, "version"), 10, 64)
	return n
}
