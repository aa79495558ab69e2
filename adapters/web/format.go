package web

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/crm"
)

// Layouts of the times the UI shows and reads. Times are shown and entered in UTC, and every
// page says so, so that a date never shifts with the viewer's zone.
const (
	displayTime  = "2 Jan 2006, 15:04"
	displayDate  = "2 Jan 2006"
	inputMinutes = "2006-01-02T15:04"
)

// fmtTime shows a time in UTC, e.g. "2 Jun 2027, 18:00".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(displayTime)
}

// fmtTimePtr shows an optional time; nil is a dash.
func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t)
}

// fmtDay shows the day of a time, e.g. "2 Jun 2027".
func fmtDay(t time.Time) string { return t.UTC().Format(displayDate) }

// fmtDate shows an optional calendar day; nil is a dash.
func fmtDate(d *crm.Date) string {
	if d == nil || d.IsZero() {
		return "—"
	}
	return d.Time().Format(displayDate)
}

// fmtMoney shows an amount with thousands separators, e.g. "12,500.00".
func fmtMoney(m crm.Money) string {
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + "." + frac
}

// inputTime writes a time as the value of a datetime-local field (UTC, to the minute).
func inputTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(inputMinutes)
}

// parseInputTime reads a datetime-local value, or a full RFC 3339 time, as UTC.
func parseInputTime(s string) (time.Time, bool) {
	for _, layout := range []string{inputMinutes, "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
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

// plural returns "1 client" or "3 clients".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// roleLabel names a role for display.
func roleLabel(r crm.Role) string {
	switch r {
	case crm.RoleManagement:
		return "Management"
	case crm.RoleSales:
		return "Sales"
	case crm.RoleSupport:
		return "Support"
	}
	return string(r)
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
