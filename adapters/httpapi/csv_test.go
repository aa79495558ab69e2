package httpapi_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// readCSV parses an export, after checking that it is one.
func readCSV(t *testing.T, resp *http.Response, body []byte) [][]string {
	t.Helper()
	require.Equal(t, 200, resp.StatusCode, string(body))
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\uFEFF"))).ReadAll()
	require.NoError(t, err, string(body))
	require.NotEmpty(t, recs)
	return recs
}

// column returns the cells of the column named name, header excluded.
func column(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	at := -1
	for i, h := range recs[0] {
		if h == name {
			at = i
		}
	}
	require.GreaterOrEqual(t, at, 0, "no column %s in %v", name, recs[0])
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[at])
	}
	return out
}

var csvAccept = map[string]string{"Accept": "text/csv"}

// TestExportScope checks that an export holds exactly what the caller may read, for each role
// and each list: a sales user's clients are theirs only.
func TestExportScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	emails := func(who string) []string {
		resp, body := e.do(t, req{who: who, method: "GET", path: "/api/v1/clients?sort=id", header: csvAccept})
		return column(t, readCSV(t, resp, body), "email")
	}
	assert.Equal(t, []string{"carla@acme.example"}, emails("S1"))
	assert.Equal(t, []string{"otto@globex.example"}, emails("S2"))
	assert.Equal(t, []string{"carla@acme.example", "otto@globex.example"}, emails("M"))
	assert.Equal(t, []string{"carla@acme.example"}, emails("P1"), "support: the clients of their events")
	assert.Empty(t, emails("P2"))

	// The filters of the list apply: exactly the filtered list is exported.
	resp, body := e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients?q=globex", header: csvAccept})
	assert.Equal(t, []string{"otto@globex.example"}, column(t, readCSV(t, resp, body), "email"))

	for _, tc := range []struct {
		who, path, col string
		want           []string
	}{
		{"S2", "/api/v1/contracts", "id", nil},
		{"S1", "/api/v1/contracts?sort=id", "amount", []string{"1500.00", "800.00"}},
		{"P2", "/api/v1/events", "id", nil},
		{"P1", "/api/v1/events", "event_date", []string{"2027-06-01T18:00:00Z"}},
		{"S1", "/api/v1/users", "username", []string{"sally"}},
	} {
		resp, body := e.do(t, req{who: tc.who, method: "GET", path: tc.path, header: csvAccept})
		assert.Equal(t, tc.want, column(t, readCSV(t, resp, body), tc.col), "%s %s", tc.who, tc.path)
	}
	resp, body = e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?resource=client", header: csvAccept})
	recs := readCSV(t, resp, body)
	assert.Len(t, recs, 4, "two client creations and C1 becoming existing")
	assert.Contains(t, recs[1][len(recs[1])-1], `"email":[null,`)

	// The audit log is management's: others get the list's refusal, as a problem, not a file.
	resp, body = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/audit", header: csvAccept})
	assert.Equal(t, 403, resp.StatusCode, string(body))
	// A bad filter is refused before the file starts.
	resp, body = e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients?status=nope", header: csvAccept})
	assert.Equal(t, 400, resp.StatusCode, string(body))
}

// TestExportCells checks the file's form: header, Content-Disposition, formula cells
// neutralised, the byte order mark only when asked, and JSON without Accept: text/csv.
func TestExportCells(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0])
	evil := []string{"=HYPERLINK(\"http://x.example\",\"y\")", "+1+2", "-3", "@SUM(A1)"}
	for i, company := range evil {
		_, err := e.svc.CreateClient(e.as("S1"), crm.ClientInput{FirstName: crm.Some("Eve"), LastName: crm.Some(fmt.Sprint(i)),
			Email: crm.Some(fmt.Sprintf("eve%d@evil.example", i)), Company: crm.Some(company)})
		require.NoError(t, err)
	}
	resp, body := e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients?first_name=eve&sort=id", header: csvAccept})
	recs := readCSV(t, resp, body)
	assert.Regexp(t, `^attachment; filename="clients-\d{4}-\d{2}-\d{2}\.csv"$`, resp.Header.Get("Content-Disposition"))
	assert.Equal(t, "id,first_name,last_name,email,phone,mobile,company,status,sales_contact_id,date_created,date_updated",
		strings.Join(recs[0], ","))
	var want []string
	for _, c := range evil {
		want = append(want, "'"+c)
	}
	assert.Equal(t, want, column(t, recs, "company"))
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`, column(t, recs, "date_created")[0])
	assert.Equal(t, []string{itoa(e.ids["S1"])}, column(t, recs, "sales_contact_id")[:1])
	assert.False(t, strings.HasPrefix(string(body), "\uFEFF"), "no BOM unless asked")
	assert.Contains(t, string(body), "\r\n")

	for _, r := range []req{
		{who: "S1", method: "GET", path: "/api/v1/clients?bom=true", header: csvAccept},
		{who: "S1", method: "GET", path: "/api/v1/clients", header: map[string]string{"Accept": "text/csv; bom=true"}},
	} {
		resp, body := e.do(t, r)
		readCSV(t, resp, body)
		assert.True(t, strings.HasPrefix(string(body), "\uFEFF"), "BOM for %v", r)
	}
	resp, body = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients", header: map[string]string{"Accept": "application/json, text/csv;q=0.5"}})
	assert.Contains(t, resp.Header.Get("Content-Type"), "application/json", string(body))
}

// gatedClients serves fake pages of clients: the first page at once, the second only once gate
// is closed, so that a test can see the first page arrive before the second is read.
type gatedClients struct {
	crm.ClientStore
	gate  chan struct{}
	reads chan string
}

func (g gatedClients) ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error) {
	g.reads <- f.Cursor
	mk := func(from, n int) []*crm.Client {
		var out []*crm.Client
		for i := from; i < from+n; i++ {
			out = append(out, &crm.Client{ID: int64(i), FirstName: "Page", LastName: "Row", Email: fmt.Sprintf("r%d@x.example", i), Status: crm.ClientPotential})
		}
		return out
	}
	if f.Cursor == "" {
		return mk(1, f.Limit), "page2", nil
	}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	if f.Cursor == "page2" {
		return mk(f.Limit+1, 3), "fail", nil
	}
	return nil, "", crm.Errorf(crm.EUNAVAILABLE, "the database went away")
}

// TestExportStreams checks that an export is written page by page as it is read, without
// buffering the list: the first page reaches the client before the second is read, and a
// failure after the start ends the file with an ERROR line.
func TestExportStreams(t *testing.T) {
	t.Parallel()
	g := gatedClients{gate: make(chan struct{}), reads: make(chan string, 10)}
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.wrap = func(d crm.Deps) crm.Deps { g.ClientStore = d.Clients; d.Clients = g; return d }
	})
	base := serve(t, e)
	hr, err := http.NewRequest("GET", base+"/api/v1/clients?limit=2", nil)
	require.NoError(t, err)
	hr.Header.Set("Authorization", "Bearer "+e.access["M"])
	hr.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "", <-g.reads)

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The header and the whole first page (limit is ignored: pages of crm.MaxLimit) arrive
	// while the second page is held back.
	for i := 0; i <= crm.MaxLimit; i++ {
		select {
		case <-lines:
		case <-time.After(10 * time.Second):
			t.Fatalf("line %d of the first page did not arrive before the second page was read: the export is buffered", i)
		}
	}
	select {
	case l := <-lines:
		t.Fatalf("a line beyond the first page arrived before its page was read: %q", l)
	case <-time.After(50 * time.Millisecond):
	}
	close(g.gate)
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	require.Len(t, rest, 4, "the three rows of page 2, then the error line: %v", rest)
	assert.Contains(t, rest[2], fmt.Sprintf("r%d@x.example", crm.MaxLimit+3))
	assert.True(t, strings.HasPrefix(rest[3], "ERROR: the export stopped before its end (the database went away)"), rest[3])
}
