package crm

import (
	"fmt"
	"strings"
	"text/template"
	"time"
)

// The texts of the reminders, in one template set per language so that a translation is one
// more set. Each kind has a subject template "<kind>.subject" and a body template "<kind>.body",
// executed with a reminderData.

// reminderData is what a reminder's templates see.
type reminderData struct {
	User     *User
	Event    *Event
	Contract *Contract
	// Assigned describes an assignment (for ReminderAssigned).
	Assigned *assignment
}

// assignment is a record assigned to a user, as the change log told it.
type assignment struct {
	Resource Resource
	ID       int64
	Name     string // what the record is called (a client's name, an event's name), or ""
	By       string // who assigned it, or "" for the system
	At       time.Time
}

// reminderTexts renders the messages of one language.
type reminderTexts struct{ t *template.Template }

// reminderTemplatesEN are the English texts.
const reminderTemplatesEN = `
{{define "event_without_support.subject"}}Event without support: {{.Event.Name}} on {{day .Event.EventDate}}{{end}}
{{define "event_without_support.body"}}Hello {{.User.FullName}},

The event "{{.Event.Name}}" (event {{.Event.ID}}) starts on {{when .Event.EventDate}}{{if .Event.Location}} at {{.Event.Location}}{{end}} and has no support contact yet.
Please assign one.
{{template "footer"}}{{end}}

{{define "contract_unpaid.subject"}}Contract {{.Contract.ID}} unpaid: {{.Contract.AmountDue}} due since {{.Contract.PaymentDue}}{{end}}
{{define "contract_unpaid.body"}}Hello {{.User.FullName}},

Contract {{.Contract.ID}} (client {{.Contract.ClientID}}) still has {{.Contract.AmountDue}} of {{.Contract.Amount}} to pay; payment was due on {{.Contract.PaymentDue}}.
{{template "footer"}}{{end}}

{{define "event_tomorrow.subject"}}Tomorrow: {{.Event.Name}}{{end}}
{{define "event_tomorrow.body"}}Hello {{.User.FullName}},

You are the support contact of the event "{{.Event.Name}}" (event {{.Event.ID}}), which starts tomorrow, {{when .Event.EventDate}}{{if .Event.Location}}, at {{.Event.Location}}{{end}}{{if .Event.Attendees}}, with {{.Event.Attendees}} attendees{{end}}.
{{if .Event.Notes}}
Notes: {{.Event.Notes}}
{{end}}{{template "footer"}}{{end}}

{{define "assigned.subject"}}{{title .Assigned.Resource}} {{.Assigned.ID}} is now yours{{if .Assigned.Name}}: {{.Assigned.Name}}{{end}}{{end}}
{{define "assigned.body"}}Hello {{.User.FullName}},

{{if .Assigned.By}}{{.Assigned.By}} made you{{else}}You are now{{end}} the {{if eq .Assigned.Resource "event"}}support{{else}}sales{{end}} contact of {{.Assigned.Resource}} {{.Assigned.ID}}{{if .Assigned.Name}} ({{.Assigned.Name}}){{end}}.
{{template "footer"}}{{end}}

{{define "footer"}}
--
EpicCRM. You can turn this kind of reminder off in your notification settings.
{{end}}
`

// newReminderTexts parses a template set and checks that it has every kind's texts.
func newReminderTexts(src string) (*reminderTexts, error) {
	t, err := template.New("reminders").Option("missingkey=error").Funcs(template.FuncMap{
		"day":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"when":  func(t time.Time) string { return t.UTC().Format("Monday 2 January 2006 at 15:04 UTC") },
		"title": func(r Resource) string { return strings.ToUpper(string(r)[:1]) + string(r)[1:] },
	}).Parse(src)
	if err != nil {
		return nil, err
	}
	for _, k := range ReminderKinds {
		for _, part := range []string{".subject", ".body"} {
			if t.Lookup(string(k)+part) == nil {
				return nil, fmt.Errorf("the reminder texts have no %s%s", k, part)
			}
		}
	}
	return &reminderTexts{t: t}, nil
}

// defaultReminderTexts are the English texts, checked when the package loads.
var defaultReminderTexts = func() *reminderTexts {
	t, err := newReminderTexts(reminderTemplatesEN)
	if err != nil {
		panic("crm: " + err.Error())
	}
	return t
}()

// render returns the message of a reminder of kind to u about data (an *Event, a *Contract or
// an *assignment).
func (r *reminderTexts) render(kind ReminderKind, u *User, data any) (Mail, error) {
	d := reminderData{User: u}
	switch v := data.(type) {
	case *Event:
		d.Event = v
	case *Contract:
		d.Contract = v
	case *assignment:
		d.Assigned = v
	}
	var subject, body strings.Builder
	if err := r.t.ExecuteTemplate(&subject, string(kind)+".subject", d); err != nil {
		return Mail{}, Internal(fmt.Errorf("rendering the %s reminder: %w", kind, err))
	}
	if err := r.t.ExecuteTemplate(&body, string(kind)+".body", d); err != nil {
		return Mail{}, Internal(fmt.Errorf("rendering the %s reminder: %w", kind, err))
	}
	// A subject is one line: a record's name cannot add header lines.
	s := strings.Join(strings.Fields(subject.String()), " ")
	return Mail{To: u.Email, Subject: s, Body: strings.TrimLeft(body.String(), "\n")}, nil
}
