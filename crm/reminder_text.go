package crm

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
)

// The texts of the reminders, in one template set per language so that a translation is one
// more set (reminderTemplates). Each kind has a subject template "<kind>.subject" and a body
// template "<kind>.body", and each set a "footer" every body ends with; they are executed with
// a reminderData, whose methods write dates, times and amounts the language's way in the
// recipient's time zone. In a set's source, the six characters \u00a0 stand for a no-break
// space (French puts one before : ; ? ! and inside « »).

// ReminderLanguages are the codes of the languages reminders are written in, English (the
// fallback) first.
var ReminderLanguages = []string{"en", "fr"}

// reminderData is what a reminder's templates see.
type reminderData struct {
	User     *User
	Event    *Event
	Contract *Contract
	// Assigned describes an assignment (for ReminderAssigned).
	Assigned *assignment

	style *writingStyle  // how the language writes dates, times and amounts
	zone  *time.Location // the recipient's time zone
}

// When writes an instant in the recipient's zone, to the minute, with the zone's abbreviation:
// "Tuesday 3 March 2026 at 14:00 CET", "mardi 3 mars 2026 à 14:00 CET".
func (d reminderData) When(t time.Time) string { return d.style.when(t.In(d.zone)) }

// Day writes the calendar day of an instant in the recipient's zone: "2026-03-03",
// "3 mars 2026".
func (d reminderData) Day(t time.Time) string { return d.style.day(DateOf(t.In(d.zone))) }

// Date writes a calendar day (not an instant: no zone applies), "" for none.
func (d reminderData) Date(x *Date) string {
	if x == nil {
		return ""
	}
	return d.style.day(*x)
}

// Money writes an amount in euros: "€12,500.00", "12 500,00 €".
func (d reminderData) Money(m Money) string { return d.style.money(m) }

// assignment is a record assigned to a user, as the change log told it.
type assignment struct {
	Resource Resource
	ID       int64
	Name     string // what the record is called (a client's name, an event's name), or ""
	By       string // who assigned it, or "" for the system
	At       time.Time
}

// writingStyle is how a language writes dates, times and amounts, after CLDR (as the admin UI
// does): English groups thousands with a comma and puts the euro sign first (€12,500.00);
// French groups with a narrow no-break space (U+202F), writes a decimal comma and puts the sign
// last after a no-break space (12 500,00 €).
type writingStyle struct {
	when  func(t time.Time) string // t is already in the recipient's zone
	day   func(d Date) string
	group string
	point string
	euro  func(amount string) string
}

var (
	frenchDays   = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frenchMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
)

// frenchDay writes a day the French way: "3 mars 2026", "1er mars 2026".
func frenchDay(d Date) string {
	n := strconv.Itoa(d.Day)
	if d.Day == 1 {
		n = "1er"
	}
	return n + " " + frenchMonths[d.Month-1] + " " + strconv.Itoa(d.Year)
}

var writingStyles = map[string]*writingStyle{
	"en": {
		when:  func(t time.Time) string { return t.Format("Monday 2 January 2006 at 15:04 MST") },
		day:   Date.String,
		group: ",", point: ".",
		euro: func(amount string) string { return "€" + amount },
	},
	"fr": {
		when: func(t time.Time) string {
			return frenchDays[t.Weekday()] + " " + frenchDay(DateOf(t)) + " à " + t.Format("15:04 MST")
		},
		day:   frenchDay,
		group: "\u202f", point: ",",
		euro: func(amount string) string { return amount + "\u00a0€" },
	},
}

// money writes m with the style's separators and euro sign, the sign of a negative amount
// first.
func (s *writingStyle) money(m Money) string {
	whole, cents, _ := strings.Cut(m.String(), ".")
	minus := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for len(whole) > 3 {
		head := len(whole) % 3
		if head == 0 {
			head = 3
		}
		b.WriteString(whole[:head] + s.group)
		whole = whole[head:]
	}
	b.WriteString(whole + s.point + cents)
	out := s.euro(b.String())
	if minus {
		out = "-" + out
	}
	return out
}

// reminderTemplates are the template sets, by language.
var reminderTemplates = map[string]string{"en": reminderTemplatesEN, "fr": reminderTemplatesFR}

// reminderTemplatesEN are the English texts.
const reminderTemplatesEN = `
{{define "event_without_support.subject"}}Event without support: {{.Event.Name}} on {{.Day .Event.EventDate}}{{end}}
{{define "event_without_support.body"}}Hello {{.User.FullName}},

The event "{{.Event.Name}}" (event {{.Event.ID}}) starts on {{.When .Event.EventDate}}{{if .Event.Location}} at {{.Event.Location}}{{end}} and has no support contact yet.
Please assign one.
{{template "footer"}}{{end}}

{{define "contract_unpaid.subject"}}Contract {{.Contract.ID}} unpaid: {{.Money .Contract.AmountDue}} due since {{.Date .Contract.PaymentDue}}{{end}}
{{define "contract_unpaid.body"}}Hello {{.User.FullName}},

Contract {{.Contract.ID}} (client {{.Contract.ClientID}}) still has {{.Money .Contract.AmountDue}} of {{.Money .Contract.Amount}} to pay; payment was due on {{.Date .Contract.PaymentDue}}.
{{template "footer"}}{{end}}

{{define "event_tomorrow.subject"}}Tomorrow: {{.Event.Name}}{{end}}
{{define "event_tomorrow.body"}}Hello {{.User.FullName}},

You are the support contact of the event "{{.Event.Name}}" (event {{.Event.ID}}), which starts tomorrow, {{.When .Event.EventDate}}{{if .Event.Location}}, at {{.Event.Location}}{{end}}{{if .Event.Attendees}}, with {{.Event.Attendees}} attendees{{end}}.
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

// reminderTemplatesFR are the French texts, in the admin UI's words (commercial, contact
// support).
const reminderTemplatesFR = `
{{define "event_without_support.subject"}}Événement sans contact support\u00a0: {{.Event.Name}} le {{.Day .Event.EventDate}}{{end}}
{{define "event_without_support.body"}}Bonjour {{.User.FullName}},

L’événement «\u00a0{{.Event.Name}}\u00a0» (événement {{.Event.ID}}) commence le {{.When .Event.EventDate}}{{if .Event.Location}} à {{.Event.Location}}{{end}} et n’a pas encore de contact support.
Merci de lui en attribuer un.
{{template "footer"}}{{end}}

{{define "contract_unpaid.subject"}}Contrat {{.Contract.ID}} impayé\u00a0: {{.Money .Contract.AmountDue}} dus depuis le {{.Date .Contract.PaymentDue}}{{end}}
{{define "contract_unpaid.body"}}Bonjour {{.User.FullName}},

Il reste {{.Money .Contract.AmountDue}} à payer sur {{.Money .Contract.Amount}} au contrat {{.Contract.ID}} (client {{.Contract.ClientID}})\u00a0; le paiement était dû le {{.Date .Contract.PaymentDue}}.
{{template "footer"}}{{end}}

{{define "event_tomorrow.subject"}}Demain\u00a0: {{.Event.Name}}{{end}}
{{define "event_tomorrow.body"}}Bonjour {{.User.FullName}},

Vous êtes le contact support de l’événement «\u00a0{{.Event.Name}}\u00a0» (événement {{.Event.ID}}), qui commence demain, le {{.When .Event.EventDate}}{{if .Event.Location}}, à {{.Event.Location}}{{end}}{{if .Event.Attendees}}, avec {{.Event.Attendees}} participants{{end}}.
{{if .Event.Notes}}
Notes\u00a0: {{.Event.Notes}}
{{end}}{{template "footer"}}{{end}}

{{define "assigned.subject"}}{{template "the_record" .Assigned}} vous est attribué{{if .Assigned.Name}}\u00a0: {{.Assigned.Name}}{{end}}{{end}}
{{define "assigned.body"}}Bonjour {{.User.FullName}},

{{if .Assigned.By}}{{.Assigned.By}} a fait de vous{{else}}Vous êtes désormais{{end}} {{if eq .Assigned.Resource "event"}}le contact support de l’événement{{else if eq .Assigned.Resource "contract"}}le commercial du contrat{{else}}le commercial du client{{end}} {{.Assigned.ID}}{{if .Assigned.Name}} ({{.Assigned.Name}}){{end}}.
{{template "footer"}}{{end}}

{{define "the_record"}}{{if eq .Resource "event"}}L’événement{{else if eq .Resource "contract"}}Le contrat{{else}}Le client{{end}} {{.ID}}{{end}}

{{define "footer"}}
--
EpicCRM. Vous pouvez désactiver ce type de rappel dans vos réglages de notification.
{{end}}
`

// reminderTexts renders the messages of one language.
type reminderTexts struct {
	lang   string
	t      *template.Template
	style  *writingStyle
	footer string // the rendered footer, which every body of the language ends with
}

// newReminderTexts parses the template set of lang and checks that it has every kind's texts.
func newReminderTexts(lang, src string) (*reminderTexts, error) {
	style, ok := writingStyles[lang]
	if !ok {
		return nil, fmt.Errorf("the reminder texts in %q have no writing style", lang)
	}
	t, err := template.New("reminders").Option("missingkey=error").Funcs(template.FuncMap{
		"title": func(r Resource) string { return strings.ToUpper(string(r)[:1]) + string(r)[1:] },
	}).Parse(strings.ReplaceAll(src, `\u00a0`, "\u00a0"))
	if err != nil {
		return nil, fmt.Errorf("the reminder texts in %q: %w", lang, err)
	}
	for _, k := range ReminderKinds {
		for _, part := range []string{".subject", ".body"} {
			if t.Lookup(string(k)+part) == nil {
				return nil, fmt.Errorf("the reminder texts in %q have no %s%s", lang, k, part)
			}
		}
	}
	var footer strings.Builder
	if err := t.ExecuteTemplate(&footer, "footer", nil); err != nil {
		return nil, fmt.Errorf("the reminder texts in %q have no footer: %w", lang, err)
	}
	return &reminderTexts{lang: lang, t: t, style: style, footer: strings.TrimRight(footer.String(), "\n")}, nil
}

// defaultReminderTexts are the texts of every language of ReminderLanguages, checked when the
// package loads.
var defaultReminderTexts = func() map[string]*reminderTexts {
	out := map[string]*reminderTexts{}
	for _, lang := range ReminderLanguages {
		t, err := newReminderTexts(lang, reminderTemplates[lang])
		if err != nil {
			panic("crm: " + err.Error())
		}
		out[lang] = t
	}
	return out
}()

// render returns the message of a reminder of kind to u, in zone, about data (an *Event, a
// *Contract or an *assignment).
func (r *reminderTexts) render(kind ReminderKind, u *User, zone *time.Location, data any) (Mail, error) {
	d := reminderData{User: u, style: r.style, zone: zone}
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
		return Mail{}, Internal(fmt.Errorf("rendering the %s reminder in %q: %w", kind, r.lang, err))
	}
	if err := r.t.ExecuteTemplate(&body, string(kind)+".body", d); err != nil {
		return Mail{}, Internal(fmt.Errorf("rendering the %s reminder in %q: %w", kind, r.lang, err))
	}
	return Mail{To: u.Email, Subject: OneLine(subject.String()), Body: strings.TrimLeft(body.String(), "\n"),
		Language: r.lang}, nil
}

// OneLine joins the lines and runs of blanks of s into single spaces, keeping the no-break
// spaces typography puts inside a line: a header value such as a subject stays one line,
// whatever the record names in it hold.
func OneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) && r != '\u00a0' && r != '\u202f' && r != '\u2007'
	}), " ")
}

// mailLanguage returns the language of a queued message, which the queue keeps as rendered
// text only: the language whose footer its body ends with, "" when none does.
func mailLanguage(texts map[string]*reminderTexts, m Mail) string {
	if m.Language != "" {
		return m.Language
	}
	body := strings.TrimRight(m.Body, "\r\n")
	for _, lang := range slices.Sorted(maps.Keys(texts)) {
		if strings.HasSuffix(body, texts[lang].footer) {
			return lang
		}
	}
	return ""
}
