package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		{"/api/v1/events?status=open", []string{"E1"}},
		{"/api/v1/events?status=closed", nil},
	}
	eachStore(t, func(t *testing.T, open func(testing.TB) testStore) {
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

// TestPaginationAndSorting pages through lists one record at a time and sorts them.
func TestPaginationAndSorting(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(testing.TB) testStore) {
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
	eachStore(t, func(t *testing.T, open func(testing.TB) testStore) {
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
