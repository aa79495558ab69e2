package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestListFilters uses every filter of every list once, as management, and checks which
// fixtures come back.
func TestListFilters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		want []string
	}{
		{"/api/v1/users?q=sal", []string{"S1"}},
		{"/api/v1/users?username=pat", []string{"P1"}},
		{"/api/v1/users?email=SAM%40", []string{"S2"}},
		{"/api/v1/users?first_name=maya", []string{"M"}},
		{"/api/v1/users?last_name=tester", []string{"S1", "S2", "P1", "P2"}},
		{"/api/v1/users?role=support", []string{"P1", "P2"}},
		{"/api/v1/users?is_active=true", []string{"M", "S1", "S2", "P1", "P2"}},
		{"/api/v1/users?is_active=false", nil},

		{"/api/v1/clients?q=globex", []string{"C2"}},
		{"/api/v1/clients?first_name=carl", []string{"C1"}},
		{"/api/v1/clients?last_name=OTHER", []string{"C2"}},
		{"/api/v1/clients?email=acme", []string{"C1"}},
		{"/api/v1/clients?company=corp", []string{"C1"}},
		{"/api/v1/clients?status=existing", []string{"C1"}},
		{"/api/v1/clients?status=potential", []string{"C2"}},
		{"/api/v1/clients?sales_contact_id={S2}", []string{"C2"}},
		{"/api/v1/clients?q=", []string{"C1", "C2"}},

		{"/api/v1/contracts?q=acme", []string{"K1", "K2"}},
		{"/api/v1/contracts?q=CARLA", []string{"K1", "K2"}},
		{"/api/v1/contracts?q=client", []string{"K1", "K2"}},
		{"/api/v1/contracts?q=carla%40acme", []string{"K1", "K2"}},
		{"/api/v1/contracts?q=globex", nil},
		{"/api/v1/contracts?q=otto", nil},
		{"/api/v1/contracts?q=acme&status=open", []string{"K2"}},
		{"/api/v1/contracts?client_id={C1}", []string{"K1", "K2"}},
		{"/api/v1/contracts?client_first_name=carla", []string{"K1", "K2"}},
		{"/api/v1/contracts?client_last_name=client", []string{"K1", "K2"}},
		{"/api/v1/contracts?client_email=globex", nil},
		{"/api/v1/contracts?sales_contact_id={S1}", []string{"K1", "K2"}},
		{"/api/v1/contracts?amount=1500", []string{"K1"}},
		{"/api/v1/contracts?amount=800.00", []string{"K2"}},
		{"/api/v1/contracts?amount_min=1000", []string{"K1"}},
		{"/api/v1/contracts?amount_max=1000", []string{"K2"}},
		{"/api/v1/contracts?date_created={today}", []string{"K1", "K2"}},
		{"/api/v1/contracts?date_created=2000-01-01", nil},
		{"/api/v1/contracts?status=signed", []string{"K1"}},
		{"/api/v1/contracts?unpaid=true", []string{"K1", "K2"}},
		{"/api/v1/contracts?unpaid=false", []string{"K1", "K2"}},

		{"/api/v1/events?q=launch", []string{"E1"}},
		{"/api/v1/events?q=PARIS", []string{"E1"}},
		{"/api/v1/events?contract_id={K1}", []string{"E1"}},
		{"/api/v1/events?contract_id={K2}", nil},
		{"/api/v1/events?client_id={C1}", []string{"E1"}},
		{"/api/v1/events?client_first_name=carla", []string{"E1"}},
		{"/api/v1/events?client_email=acme", []string{"E1"}},
		{"/api/v1/events?sales_contact_id={S1}", []string{"E1"}},
		{"/api/v1/events?support_contact_id={P1}", []string{"E1"}},
		{"/api/v1/events?unassigned=true", nil},
		{"/api/v1/events?event_date=2027-06-01", []string{"E1"}},
		{"/api/v1/events?event_date=2027-06-02", nil},
		{"/api/v1/events?from=2027-06-01T18:00:00Z", []string{"E1"}},
		{"/api/v1/events?from=2027-06-01T18:00:00.000001Z", nil},
		{"/api/v1/events?to=2027-06-01T18:00:00Z", nil},
		{"/api/v1/events?to=2027-06-01T18:00:00.000001Z", []string{"E1"}},
		{"/api/v1/events?from=2027-06-01T20:00:00%2B02:00", []string{"E1"}},
		{"/api/v1/events?to=2027-06-01T20:00:00%2B02:00", nil},
		{"/api/v1/events?from=2027-06-01T00:00:00Z&to=2027-06-02T00:00:00Z", []string{"E1"}},
		{"/api/v1/events?from=2027-06-02T00:00:00Z&to=2027-06-01T00:00:00Z", nil},
		{"/api/v1/events?status=open", []string{"E1"}},
		{"/api/v1/events?status=closed", nil},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		today := time.Now().UTC().Format(time.DateOnly)
		for _, tc := range cases {
			t.Run(tc.path, func(t *testing.T) {
				path := strings.ReplaceAll(tc.path, "{today}", today)
				assert.Equal(t, e.idsOf(tc.want...), e.listIDs(t, "M", path))
			})
		}
	})
}

// TestEventDateRange lists events between two instants: from is included, to is not, an offset
// is honoured, the range combines with paging and sorting, and it never widens the read scope.
func TestEventDateRange(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return v
	}
	dates := map[string]time.Time{
		"eve":      at("2027-05-31T23:59:59.999999Z"),
		"midnight": at("2027-06-01T00:00:00Z"),
		"noon":     at("2027-06-01T12:00:00Z"),
		"next":     at("2027-06-02T00:00:00Z"),
	}
	cases := []struct {
		path string
		want []string
	}{
		{"?from=2027-06-01T00:00:00Z&to=2027-06-02T00:00:00Z", []string{"midnight", "noon", "E1"}},
		{"?from=2027-06-01T00:00:00Z", []string{"midnight", "noon", "E1", "next"}},
		{"?to=2027-06-01T00:00:00Z", []string{"eve"}},
		{"?from=2027-06-01T02:00:00%2B02:00&to=2027-06-01T14:00:01%2B02:00", []string{"midnight", "noon"}},
		{"?from=2027-06-01T00:00:00Z&to=2027-06-02T00:00:00Z&sort=-event_date", []string{"E1", "noon", "midnight"}},
		{"?from=2027-05-31T23:59:59.999999Z&to=2027-06-01T00:00:00.000001Z", []string{"eve", "midnight"}},
		{"?from=2027-06-01T00:00:00Z&to=2027-06-02T00:00:00Z&sort=-event_date&limit=1", []string{"E1", "noon", "midnight"}},
		{"?from=2027-06-01T12:00:00Z&to=2027-06-01T12:00:00Z", nil},
		{"?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", []string{"eve", "midnight", "noon", "E1", "next"}},
	}
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		for name, when := range dates {
			ev, err := e.svc.CreateEvent(e.as("S1"), crm.EventInput{ContractID: crm.Some(e.ids["K1"]),
				Name: crm.Some(name), EventDate: crm.Some(when)})
			require.NoError(t, err)
			e.ids[name] = ev.ID
		}
		for _, tc := range cases {
			t.Run(tc.path, func(t *testing.T) {
				path := "/api/v1/events" + tc.path
				if strings.Contains(tc.path, "sort=") {
					assert.Equal(t, e.idsOf(tc.want...), e.walkIDs(t, "M", path))
					return
				}
				want := e.idsOf(tc.want...)
				slices.Sort(want)
				assert.Equal(t, want, e.listIDs(t, "M", path))
			})
		}
		t.Run("an unescaped + of an offset is explained", func(t *testing.T) {
			resp, body := e.do(t, req{who: "M", method: "GET", path: "/api/v1/events?to=2027-06-01T20:00:00+02:00"})
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "body: %s", body)
			p := decodeProblem(t, resp, body)
			require.Equal(t, []string{"to"}, fieldNames(p))
			assert.Contains(t, p.Errors[0].Message, "%2B")
		})
		t.Run("the range does not widen the read scope", func(t *testing.T) {
			assert.Empty(t, e.listIDs(t, "P2", "/api/v1/events?from=0001-01-01T00:00:00Z"))
			assert.Equal(t, e.idsOf("E1"), e.listIDs(t, "P1", "/api/v1/events?from=0001-01-01T00:00:00Z"))
		})
	})
}

// TestContractSearchKeepsTheReadScope checks that searching contracts by client finds nothing
// the caller may not read.
func TestContractSearchKeepsTheReadScope(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		assert.Empty(t, e.listIDs(t, "S2", "/api/v1/contracts?q=carla"), "C1's contracts are S1's")
		assert.Equal(t, e.idsOf("K1", "K2"), e.listIDs(t, "S1", "/api/v1/contracts?q=carla"))
		assert.Equal(t, e.idsOf("K1"), e.listIDs(t, "P1", "/api/v1/contracts?q=carla"), "P1 reads only K1, through E1")
	})
}

// TestPaginationAndSorting pages through lists one record at a time and sorts them.
func TestPaginationAndSorting(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		t.Run("one record per page", func(t *testing.T) {
			for _, p := range []string{"/api/v1/users", "/api/v1/clients", "/api/v1/contracts", "/api/v1/events", "/api/v1/audit"} {
				assert.Equal(t, e.listIDs(t, "M", p), e.listIDs(t, "M", p+"?limit=1"), p)
			}
		})
		t.Run("the last page has a null cursor", func(t *testing.T) {
			resp, body := e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients?limit=500"})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, string(body), `"next_cursor":null`)
			resp, body = e.do(t, req{who: "P2", method: "GET", path: "/api/v1/clients"})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.JSONEq(t, `{"items":[],"next_cursor":null}`, string(body))
		})
		t.Run("sorting", func(t *testing.T) {
			assert.Equal(t, e.idsOf("C2", "C1"), e.pageIDs(t, "M", "/api/v1/clients?sort=-id"))
			assert.Equal(t, e.idsOf("C1", "C2"), e.pageIDs(t, "M", "/api/v1/clients?sort=first_name"))
			assert.Equal(t, e.idsOf("C2", "C1"), e.pageIDs(t, "M", "/api/v1/clients?sort=-company"))
			assert.Equal(t, e.idsOf("K2", "K1"), e.pageIDs(t, "M", "/api/v1/contracts?sort=amount"))
		})
	})
}

// pageIDs returns the ids of the first page of a list, in order.
func (e *env) pageIDs(t *testing.T, who, path string) []int64 {
	t.Helper()
	resp, body := e.do(t, req{who: who, method: "GET", path: path})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	var pg struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &pg))
	out := []int64{}
	for _, it := range pg.Items {
		out = append(out, it.ID)
	}
	return out
}

// TestAuditLog reads the audit log through the API and its filters.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		type entry struct {
			ID         int64                     `json:"id"`
			At         time.Time                 `json:"at"`
			ActorID    int64                     `json:"actor_id"`
			Action     string                    `json:"action"`
			Resource   string                    `json:"resource"`
			ResourceID int64                     `json:"resource_id"`
			Changes    map[string][2]interface{} `json:"changes"`
		}
		read := func(t *testing.T, path string) ([]entry, string) {
			t.Helper()
			resp, body := e.do(t, req{who: "M", method: "GET", path: path})
			require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			var pg struct {
				Items []entry `json:"items"`
			}
			require.NoError(t, json.Unmarshal(body, &pg))
			return pg.Items, string(body)
		}

		items, _ := read(t, "/api/v1/audit?resource=contract&resource_id={K1}&sort=id")
		require.Len(t, items, 2, "K1 was created, then signed")
		assert.Equal(t, "create", items[0].Action)
		assert.Equal(t, "sign", items[1].Action)
		for _, it := range items {
			assert.Equal(t, "contract", it.Resource)
			assert.Equal(t, e.ids["K1"], it.ResourceID)
			assert.Equal(t, e.ids["S1"], it.ActorID)
			assert.False(t, it.At.IsZero())
		}
		assert.Equal(t, "signed", items[1].Changes["status"][1])

		items, _ = read(t, "/api/v1/audit?actor_id={S2}")
		require.NotEmpty(t, items)
		for _, it := range items {
			assert.Equal(t, e.ids["S2"], it.ActorID)
		}

		resp, _ := e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/{P2}", body: `{"password":"Secret-Rotation-55"}`})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		_, body := read(t, "/api/v1/audit?resource=user&limit=500")
		assert.NotContains(t, body, testPassword)
		assert.NotContains(t, body, "Secret-Rotation-55")
		assert.NotContains(t, body, "argon2")
	})
}
