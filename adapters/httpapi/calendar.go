package httpapi

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// CalendarConfig is the users' private iCalendar feeds the API serves.
type CalendarConfig struct {
	// Calendars are the feeds and their secrets.
	Calendars *crm.Calendars
	// Name is the domain part of the feeds' event UIDs (event-<id>@Name), which calendars use
	// to recognise an event across updates: set it to the server's public host name so that it
	// never changes (default: the host name each request was sent to).
	Name string
}

// calendarMedia is the media type of a feed.
const calendarMedia = "text/calendar; charset=utf-8"

// calendarFeed is the answer to POST /api/v1/me/calendar.
type calendarFeed struct {
	// URL is the feed's full address, with its secret, as the request reached the server: shown
	// this once.
	URL string `json:"url,omitempty"`
	// Path is the same address under the server (mount prefix included), for a client that
	// reaches the server under another host name than the calendar apps will.
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"created_at"`
}

// calendars returns the feeds, or EUNAVAILABLE when the server has none.
func (a *API) calendars() (*CalendarConfig, error) {
	if a.cfg.Calendars == nil || a.cfg.Calendars.Calendars == nil {
		return nil, crm.Errorf(crm.EUNAVAILABLE, "calendar feeds are not enabled on this server")
	}
	return a.cfg.Calendars, nil
}

// loggedPath returns a request path as the access log may keep it: a calendar feed's secret, its
// credential, is replaced by "<secret>".
func loggedPath(path string) string {
	i := strings.Index(path, v1+"/calendar/")
	if i < 0 {
		return path
	}
	return path[:i+len(v1+"/calendar/")] + "<secret>"
}

// issueCalendar creates or rotates the caller's feed and returns its address, once.
func (a *API) issueCalendar(c *fiber.Ctx) error {
	cal, err := a.calendars()
	if err != nil {
		return err
	}
	secret, err := cal.Calendars.Issue(ctxOf(c))
	if err != nil {
		return err
	}
	at, err := cal.Calendars.Created(ctxOf(c))
	if err != nil || at == nil {
		return crm.Internal(err)
	}
	path := a.cfg.BasePath + v1 + "/calendar/" + secret + ".ics"
	return sendJSON(c, fiber.StatusOK, calendarFeed{URL: c.BaseURL() + path, Path: path, CreatedAt: *at})
}

// revokeCalendar ends the caller's feed.
func (a *API) revokeCalendar(c *fiber.Ctx) error {
	cal, err := a.calendars()
	if err != nil {
		return err
	}
	if err := cal.Calendars.Revoke(ctxOf(c)); err != nil {
		return err
	}
	return sendNoContent(c)
}

// serveCalendar serves a feed: the secret in the path is the credential.
func (a *API) serveCalendar(c *fiber.Ctx) error {
	cal, err := a.calendars()
	if err != nil {
		return err
	}
	secret, ok := strings.CutSuffix(c.Params("feed"), ".ics")
	if !ok {
		return crm.Errorf(crm.ENOTFOUND, "a calendar feed's address ends with .ics")
	}
	feed, err := cal.Calendars.Feed(ctxOf(c), secret)
	if err != nil {
		return err
	}
	name := cal.Name
	if name == "" {
		name = c.Hostname()
		if h, _, found := strings.Cut(name, ":"); found && !strings.Contains(h, "[") {
			name = h
		}
	}
	c.Set(fiber.HeaderContentType, calendarMedia)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Send(writeICalendar(feed, name))
}

// writeICalendar returns the feed as an iCalendar object (RFC 5545): one VEVENT per event, its
// UID stable (event-<id>@name), SEQUENCE its version, times in UTC, and the recently deleted
// events as STATUS:CANCELLED.
func writeICalendar(feed *crm.CalendarFeed, name string) []byte {
	var w icalWriter
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//Epic Events//EpicCRM//EN")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", "PUBLISH")
	w.text("X-WR-CALNAME", "EpicCRM: "+strings.TrimSpace(feed.Owner.FirstName+" "+feed.Owner.LastName+" ("+feed.Owner.Username+")"))
	w.line("REFRESH-INTERVAL;VALUE=DURATION", "PT15M")
	w.line("X-PUBLISHED-TTL", "PT15M")
	for _, e := range feed.Events {
		w.event(e, e.Version, e.DateUpdated, name, "CONFIRMED")
	}
	for _, d := range feed.Cancelled {
		w.event(&d.Event, cancelledSequence, d.DeletedAt, name, "CANCELLED")
	}
	w.line("END", "VCALENDAR")
	return w.buf.Bytes()
}

// cancelledSequence is the SEQUENCE of a cancelled event: the change log keeps no version, so
// it is one above any version an event reaches, which makes calendars take the cancellation
// over every earlier copy.
const cancelledSequence = 1_000_000

// icalWriter writes content lines, folded at 75 octets and ended with CRLF.
type icalWriter struct{ buf bytes.Buffer }

// event writes one VEVENT.
func (w *icalWriter) event(e *crm.Event, seq int64, stamp time.Time, name, status string) {
	w.line("BEGIN", "VEVENT")
	w.line("UID", "event-"+strconv.FormatInt(e.ID, 10)+"@"+name)
	w.line("DTSTAMP", icalTime(stamp))
	w.line("SEQUENCE", strconv.FormatInt(seq, 10))
	w.line("DTSTART", icalTime(e.EventDate))
	if e.EndDate != nil && e.EndDate.After(e.EventDate) {
		w.line("DTEND", icalTime(*e.EndDate))
	}
	w.line("LAST-MODIFIED", icalTime(e.DateUpdated))
	w.text("SUMMARY", e.Name)
	if e.Location != "" {
		w.text("LOCATION", e.Location)
	}
	desc := "Attendees: " + strconv.Itoa(e.Attendees) + "\nContract " + strconv.FormatInt(e.ContractID, 10) +
		", client " + strconv.FormatInt(e.ClientID, 10) + ", status " + string(e.Status)
	if e.Notes != "" {
		desc += "\n\n" + e.Notes
	}
	w.text("DESCRIPTION", desc)
	w.line("STATUS", status)
	w.line("END", "VEVENT")
}

// icalTime formats t as a UTC DATE-TIME (RFC 5545 section 3.3.5, form 2).
func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// text writes a property whose value is TEXT, escaped (RFC 5545 section 3.3.11).
func (w *icalWriter) text(name, value string) { w.line(name, icalEscape(value)) }

// icalEscape escapes a TEXT value: backslashes, semicolons, commas and newlines; other control
// characters, which TEXT may not hold, are dropped.
func icalEscape(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t' || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// line writes one content line "name:value", folded so that no line is longer than 75 octets
// (a continuation starts with a space) without splitting a UTF-8 sequence, and ended with CRLF.
func (w *icalWriter) line(name, value string) {
	s := name + ":" + value
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
