package httpapi_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/crm"
)

// sseEvent is one event read from a stream.
type sseEvent struct {
	ID, Event, Data string
}

// sseClient reads one stream's events.
type sseClient struct {
	events chan sseEvent
	resp   *http.Response
}

// serve runs the env's app on a real listener, which streaming needs, and returns its base URL.
func (e *env) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String() + e.prefix
}

// openStream opens /api/v1/stream as who, with extra headers.
func openStream(t *testing.T, base, token string, header map[string]string) *sseClient {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v1/stream", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "text/event-stream; charset=utf-8", resp.Header.Get("Content-Type"))
	c := &sseClient{events: make(chan sseEvent, 100), resp: resp}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" {
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	return c
}

// next returns the client's next event, failing after a while.
func (c *sseClient) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		require.True(t, ok, "the stream ended")
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}

// recordID returns the id in an event's data.
func recordID(t *testing.T, ev sseEvent) int64 {
	t.Helper()
	var rec struct {
		ID       int64  `json:"id"`
		Resource string `json:"resource"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &rec), ev.Data)
	return rec.ID
}

func TestStreamFollowsEachRolesScope(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		var draining atomic.Bool
		e := newEnv(t, k, func(o *envOptions) {
			o.cfg.Stream = &httpapi.StreamConfig{Check: 100 * time.Millisecond}
			o.cfg.Draining = draining.Load
		})
		base := e.serve(t)
		s1 := openStream(t, base, e.access["S1"], nil)
		s2 := openStream(t, base, e.access["S2"], nil)
		p1 := openStream(t, base, e.access["P1"], nil)
		m := openStream(t, base, e.access["M"], nil)

		// S1 changes C1: S1, M and P1 (support of an event of C1) see it; S2 does not.
		_, err := e.svc.UpdateClient(e.as("S1"), e.ids["C1"], crm.ClientInput{Phone: crm.Some("+33 1 00 00 00 01")}, 0)
		require.NoError(t, err)
		first := s1.next(t)
		require.Equal(t, "client.updated", first.Event)
		require.Equal(t, e.ids["C1"], recordID(t, first))
		require.Contains(t, first.Data, `"phone":"+33 1 00 00 00 01"`)
		require.Equal(t, e.ids["C1"], recordID(t, p1.next(t)))
		require.Equal(t, e.ids["C1"], recordID(t, m.next(t)))

		// S2's own new client is the first thing S2 hears of.
		own := e.createClient(t, "S2", freshName("own")+"@client.example")
		ev := s2.next(t)
		require.Equal(t, "client.created", ev.Event)
		require.Equal(t, own, recordID(t, ev))
		require.Equal(t, own, recordID(t, m.next(t)))

		// Management hands C1 to S2: S1 is told it is gone (id only), S2 receives it.
		_, err = e.svc.UpdateClient(e.as("M"), e.ids["C1"], crm.ClientInput{SalesContactID: crm.Some(crm.Ptr(e.ids["S2"]))}, 0)
		require.NoError(t, err)
		ev = s1.next(t)
		require.Equal(t, "removed", ev.Event)
		require.JSONEq(t, `{"resource":"client","id":`+itoa(e.ids["C1"])+`}`, ev.Data)
		ev = s2.next(t)
		require.Equal(t, "client.sales_contact_assigned", ev.Event)
		require.Equal(t, e.ids["C1"], recordID(t, ev))

		// Resuming after S1's first event replays the removal.
		again := openStream(t, base, e.access["S1"], map[string]string{"Last-Event-ID": first.ID})
		ev = again.next(t)
		require.Equal(t, "removed", ev.Event)
		require.Equal(t, e.ids["C1"], recordID(t, ev))

		// A resume point the log does not have: reload.
		gone := openStream(t, base, e.access["S1"], map[string]string{"Last-Event-ID": "999999999"})
		ev = gone.next(t)
		require.Equal(t, "end", ev.Event)
		require.Contains(t, ev.Data, `"action":"reload"`)

		// A deactivated user's stream ends.
		_, err = e.svc.UpdateUser(e.as("M"), e.ids["S2"], crm.UserInput{IsActive: crm.Some(false)}, 0)
		require.NoError(t, err)
		for ev = s2.next(t); ev.Event != "end"; ev = s2.next(t) {
		}
		require.Contains(t, ev.Data, `"action":"login"`)

		// Draining ends the others, asking them to reconnect.
		draining.Store(true)
		for ev = m.next(t); ev.Event != "end"; ev = m.next(t) {
		}
		require.Contains(t, ev.Data, `"action":"reconnect"`)
	})
}

func TestStreamRefusals(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	resp, body := e.do(t, req{method: "GET", path: "/api/v1/stream"})
	require.Equal(t, 401, resp.StatusCode, string(body))
	resp, body = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/stream", header: map[string]string{"Last-Event-ID": "abc"}})
	require.Equal(t, 400, resp.StatusCode, string(body))
	require.Contains(t, string(body), "Last-Event-ID")
	resp, body = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/stream?last_event_id=-1"})
	require.Equal(t, 400, resp.StatusCode, string(body))

}
