package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// issueCalendar creates (or rotates) who's feed and returns its path under the mount.
func (e *env) issueCalendar(t *testing.T, who string) string {
	t.Helper()
	resp, body := e.do(t, req{who: who, method: "POST", path: "/api/v1/me/calendar"})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var out struct {
		URL       string    `json:"url"`
		Path      string    `json:"path"`
		CreatedAt time.Time `json:"created_at"`
	}
	require.NoError(t, json.Unmarshal(body, &out))
	require.False(t, out.CreatedAt.IsZero())
	require.Equal(t, "http://example.com"+out.Path, out.URL)
	path, ok := strings.CutPrefix(out.URL, "http://example.com"+e.prefix)
	require.True(t, ok, out.URL)
	require.Regexp(t, `^/api/v1/calendar/cal_[A-Za-z0-9_-]{43}\.ics$`, path)
	return path
}

// fetchCalendar reads a feed with a real iCalendar parser; nil when it answers 404.
func (e *env) fetchCalendar(t *testing.T, path string) (*ics.Calendar, []byte) {
	t.Helper()
	resp, body := e.do(t, req{method: "GET", path: path})
	if resp.StatusCode == http.StatusNotFound {
		return nil, body
	}
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	for _, line := range bytes.SplitAfter(body, []byte("\r\n")) {
		require.LessOrEqual(t, len(line), 77, "a line over 75 octets: %q", line)
		if len(line) > 0 {
			require.True(t, bytes.HasSuffix(line, []byte("\r\n")), "a line not ended by CRLF: %q", line)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	require.NoError(t, err, string(body))
	return cal, body
}

// calendarEvent returns the VEVENT with uid, or nil.
func calendarEvent(cal *ics.Calendar, uid string) *ics.VEvent {
	for _, ev := range cal.Events() {
		if ev.Id() == uid {
			return ev
		}
	}
	return nil
}

func propValue(ev *ics.VEvent, p ics.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return ics.FromText(prop.Value)
	}
	return ""
}

func TestCalendarFeeds(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		start := time.Date(2027, 6, 4, 19, 30, 0, 0, time.FixedZone("CEST", 2*3600))
		end := start.Add(5 * time.Hour)
		name := `Gala; dinner, "VIP" \ night`
		notes := "Line one\nLine two: " + strings.Repeat("été à Montréal ", 12)
		ev, err := e.svc.UpdateEvent(e.as("M"), e.ids["E1"], crm.EventInput{Name: crm.Some(name),
			EventDate: crm.Some(start), EndDate: crm.Some(&end), Location: crm.Some("Château, Salle 2; Loire"),
			Notes: crm.Some(notes)}, 0)
		require.NoError(t, err)
		uid := "event-" + itoa(e.ids["E1"]) + "@example.com"

		p1 := e.issueCalendar(t, "P1")
		cal, raw := e.fetchCalendar(t, p1)
		require.NotNil(t, cal)
		vev := calendarEvent(cal, uid)
		require.NotNil(t, vev, string(raw))
		got, err := vev.GetStartAt()
		require.NoError(t, err)
		require.True(t, got.Equal(start), "start %s, want %s", got, start)
		got, err = vev.GetEndAt()
		require.NoError(t, err)
		require.True(t, got.Equal(end))
		require.Contains(t, string(raw), "DTSTART:20270604T173000Z\r\n")
		require.Equal(t, name, propValue(vev, ics.ComponentPropertySummary))
		require.Equal(t, "Château, Salle 2; Loire", propValue(vev, ics.ComponentPropertyLocation))
		require.Contains(t, propValue(vev, ics.ComponentPropertyDescription), notes)
		require.Equal(t, strconv.FormatInt(ev.Version, 10), propValue(vev, ics.ComponentPropertySequence))
		require.Equal(t, "CONFIRMED", propValue(vev, ics.ComponentPropertyStatus))

		// Sales S1 sees E1 (their contract's); S2 has a feed with no event.
		s1 := e.issueCalendar(t, "S1")
		cal, _ = e.fetchCalendar(t, s1)
		require.NotNil(t, calendarEvent(cal, uid))
		s2 := e.issueCalendar(t, "S2")
		cal, _ = e.fetchCalendar(t, s2)
		require.Empty(t, cal.Events())

		// The feed follows the current scope: E1 handed to P2 leaves P1's feed.
		_, err = e.svc.AssignSupport(e.as("M"), e.ids["E1"], crm.Ptr(e.ids["P2"]), 0)
		require.NoError(t, err)
		cal, _ = e.fetchCalendar(t, p1)
		require.Nil(t, calendarEvent(cal, uid))

		// A deleted event stays in the feeds of those who could read it, cancelled.
		require.NoError(t, e.svc.DeleteEvent(e.as("M"), e.ids["E1"], 0))
		cal, _ = e.fetchCalendar(t, s1)
		vev = calendarEvent(cal, uid)
		require.NotNil(t, vev)
		require.Equal(t, "CANCELLED", propValue(vev, ics.ComponentPropertyStatus))
		seq, err := strconv.Atoi(propValue(vev, ics.ComponentPropertySequence))
		require.NoError(t, err)
		require.Greater(t, int64(seq), ev.Version)
		cal, _ = e.fetchCalendar(t, s2)
		require.Empty(t, cal.Events(), "S2 never could read E1")

		// Rotating replaces the address; revoking ends it; a deactivated owner's feed is gone.
		rotated := e.issueCalendar(t, "S2")
		require.NotEqual(t, s2, rotated)
		cal, _ = e.fetchCalendar(t, s2)
		require.Nil(t, cal)
		resp, body := e.do(t, req{who: "S2", method: "DELETE", path: "/api/v1/me/calendar"})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, string(body))
		cal, _ = e.fetchCalendar(t, rotated)
		require.Nil(t, cal)
		resp, body = e.do(t, req{who: "S2", method: "DELETE", path: "/api/v1/me/calendar"})
		require.Equal(t, http.StatusNotFound, resp.StatusCode, string(body))

		_, err = e.svc.UpdateUser(e.as("M"), e.ids["S1"], crm.UserInput{IsActive: crm.Some(false)}, 0)
		require.NoError(t, err)
		cal, _ = e.fetchCalendar(t, s1)
		require.Nil(t, cal)

		require.NotContains(t, e.logs.String(), strings.TrimPrefix(p1, "/api/v1/calendar/"), "the access log holds a feed secret")
		require.Contains(t, e.logs.String(), "/api/v1/calendar/<secret>")

		for _, bad := range []string{"/api/v1/calendar/nothing.ics", "/api/v1/calendar/" + strings.TrimSuffix(strings.TrimPrefix(p1, "/api/v1/calendar/"), ".ics"),
			strings.Replace(p1, "cal_", "cal_x", 1)} {
			cal, _ = e.fetchCalendar(t, bad)
			require.Nil(t, cal, bad)
		}
	})
}
