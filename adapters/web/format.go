package web

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/crm"
)

// Times are stored in UTC and shown and entered in the viewer's time zone (their preference,
// else the deployment's, Config.TimeZone); the layout's footer names the zone. Calendar days
// (a payment due date) are not instants and are shown as they are.
const inputMinutes = "2006-01-02T15:04"

// numberFormat is how a language writes amounts, after CLDR (version 44): the grouping and
// decimal separators and where the euro sign goes. French groups with a narrow no-break space
// (U+202F) and puts the sign after a no-break space (U+00A0): 12 500,00 €; English writes
// €12,500.00.
type numberFormat struct {
	group, decimal string
	symbolFirst    bool
	symbolSep      string
}

var numberFormats = map[string]numberFormat{
	"en": {group: ",", decimal: ".", symbolFirst: true},
	"fr": {group: "\u202f", decimal: ",", symbolSep: "\u00a0"},
}

// currencySymbol is the currency of every amount: Epic Events bills in euros.
const currencySymbol = "€"

// format returns the number format of the locale's language.
func (l *locale) format() numberFormat {
	if f, ok := numberFormats[l.Lang]; ok {
		return f
	}
	return numberFormats["en"]
}

// month returns the abbreviated name of a month in the locale's language.
func (l *locale) month(m time.Month) string {
	return l.T("date.month." + strconv.Itoa(int(m)))
}

// day shows the calendar day of t in the locale's zone, e.g. "2 Jun 2027" or "2 juin 2027".
func (l *locale) day(t time.Time) string {
	t = t.In(l.zone)
	return l.T("date.day", t.Day(), l.month(t.Month()), strconv.Itoa(t.Year()))
}

// time shows an instant in the locale's zone, to the minute, e.g. "2 Jun 2027, 18:00".
func (l *locale) time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return l.T("date.time", l.day(t), t.In(l.zone).Format("15:04"))
}

// timeZone shows an instant with its zone's abbreviation, e.g. "2 Jun 2027, 18:00 CEST", where
// a page shows a time on its own.
func (l *locale) timeZone(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return l.time(t) + " " + t.In(l.zone).Format("MST")
}

// timePtr shows an optional instant; nil is a dash.
func (l *locale) timePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return l.time(*t)
}

// date shows an optional calendar day; nil is a dash.
func (l *locale) date(d *crm.Date) string {
	if d == nil || d.IsZero() {
		return "—"
	}
	t := d.Time()
	return l.T("date.day", t.Day(), l.month(t.Month()), strconv.Itoa(t.Year()))
}

// money shows an amount in euros, the language's way: "€12,500.00", "12 500,00 €".
func (l *locale) money(m crm.Money) string {
	f := l.format()
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(f.group)
		}
		b.WriteRune(r)
	}
	n := b.String() + f.decimal + frac
	if f.symbolFirst {
		return sign + currencySymbol + f.symbolSep + n
	}
	return sign + n + f.symbolSep + currencySymbol
}

// inputTime writes an instant as the value of a datetime-local field: the wall clock of the
// locale's zone, to the minute.
func (l *locale) inputTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.zone).Format(inputMinutes)
}

// Why a form's date and time cannot be read (catalogue keys).
var (
	timeUnreadable = msg("Enter a date and time such as 2027-06-30 18:00")
	timeSkipped    = msg("This time does not exist in %[1]s: the clocks go forward that night. Enter a time after the change, such as %[2]s.")
)

// parseInputTime reads a datetime-local value (a wall clock in zone), or a full RFC 3339 time
// with its offset. On the night the clocks go forward, a wall time in the skipped hour does not
// exist: it is refused (timeSkipped) rather than silently moved. On the night they go back, a wall
// time in the repeated hour happens twice: it is read as the first of the two (the summer time
// offset), unless prev is one of the two, which keeps it, so that saving a form unchanged keeps
// the instant it was filled from. prev also keeps seconds that the form, to the minute, does not
// show. It returns "" as problem when the value was read.
func parseInputTime(s string, zone *time.Location, prev *time.Time) (t time.Time, problem string, args []any) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), "", nil
	}
	var wall time.Time
	var err error
	for _, layout := range []string{inputMinutes, "2006-01-02T15:04:05"} {
		if wall, err = time.Parse(layout, s); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, timeUnreadable, nil
	}
	cands := wallInstants(wall, zone)
	if len(cands) == 0 {
		after := wall.Add(time.Hour).Format("15:04")
		return time.Time{}, timeSkipped, []any{zone.String(), after}
	}
	if prev != nil {
		for _, c := range cands {
			if c.Equal(prev.Truncate(time.Minute)) && wall.Second() == 0 {
				return prev.UTC(), "", nil
			}
		}
	}
	return cands[0], "", nil
}

// wallInstants returns the instants, earliest first, at which the clocks of zone show wall (read
// as if in UTC): none in a skipped hour, two in a repeated hour, one otherwise.
func wallInstants(wall time.Time, zone *time.Location) []time.Time {
	var out []time.Time
	// A zone's offset around a moment is one of the offsets a few hours before and after it.
	for _, probe := range []time.Duration{-6 * time.Hour, 6 * time.Hour} {
		_, off := wall.Add(probe).In(zone).Zone()
		c := wall.Add(-time.Duration(off) * time.Second).UTC()
		if w := c.In(zone); w.Year() == wall.Year() && w.YearDay() == wall.YearDay() &&
			w.Hour() == wall.Hour() && w.Minute() == wall.Minute() && w.Second() == wall.Second() &&
			(len(out) == 0 || !out[0].Equal(c)) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// initials returns up to two capital letters for a user's avatar.
func initials(u *crm.User) string {
	var out []rune
	for _, part := range []string{u.FirstName, u.LastName} {
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(part)); r != utf8.RuneError {
			out = append(out, unicode.ToUpper(r))
		}
	}
	if len(out) == 0 {
		r, _ := utf8.DecodeRuneInString(u.Username)
		out = append(out, unicode.ToUpper(r))
	}
	return string(out)
}

// idString writes an optional id as a form value ("" for none).
func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// roleLabel names a role for display.
func (l *locale) roleLabel(r crm.Role) string {
	switch r {
	case crm.RoleManagement:
		return l.T("Management")
	case crm.RoleSales:
		return l.T("Sales")
	case crm.RoleSupport:
		return l.T("Support")
	}
	return string(r)
}

// enumLabel names a value of a domain enumeration (a status, an audit action) for display.
func (l *locale) enumLabel(v string) string {
	switch v {
	case "potential":
		return l.T("Potential")
	case "existing":
		return l.T("Existing")
	case "open":
		return l.T("Open")
	case "signed":
		return l.T("Signed")
	case "closed":
		return l.T("Closed")
	case "create":
		return l.T("Create")
	case "update":
		return l.T("Update")
	case "delete":
		return l.T("Delete")
	case "sign":
		return l.T("Sign")
	case "assign":
		return l.T("Assign")
	case "management", "sales", "support":
		return l.roleLabel(crm.Role(v))
	}
	return titleCase(v)
}

// Badge colours: each status and role has one, so they read at a glance.
func roleBadge(r crm.Role) string {
	switch r {
	case crm.RoleManagement:
		return "violet"
	case crm.RoleSales:
		return "blue"
	}
	return "teal"
}

func clientStatusBadge(s crm.ClientStatus) string {
	if s == crm.ClientExisting {
		return "green"
	}
	return "amber"
}

func contractStatusBadge(s crm.ContractStatus) string {
	if s == crm.ContractSigned {
		return "green"
	}
	return "amber"
}

func eventStatusBadge(s crm.EventStatus) string {
	if s == crm.EventClosed {
		return "gray"
	}
	return "blue"
}

// titleCase upper-cases the first letter of a status for display ("signed" -> "Signed").
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// itoa writes an id or a count.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// orDash shows an empty text as a dash.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// joinSentences joins messages into one text, each ending with a period.
func joinSentences(msgs []string) string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		m = capitalize(strings.TrimSpace(m))
		if !strings.HasSuffix(m, ".") {
			m += "."
		}
		out = append(out, m)
	}
	return strings.Join(out, " ")
}
