package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// etagOf reads a record and returns its ETag.
func (e *env) etagOf(t *testing.T, who, path string) string {
	t.Helper()
	resp, body := e.do(t, req{who: who, method: "GET", path: path})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	tag := resp.Header.Get("ETag")
	require.Regexp(t, `^"[1-9][0-9]*"$`, tag)
	return tag
}

// bump returns the ETag of the next version.
func bump(t *testing.T, tag string) string {
	t.Helper()
	n, err := strconv.Atoi(strings.Trim(tag, `"`))
	require.NoError(t, err)
	return `"` + strconv.Itoa(n+1) + `"`
}

func TestETagsAndIfMatch(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		ifMatch := func(tag string) map[string]string { return map[string]string{"If-Match": tag} }

		t.Run("every write answers with the new ETag", func(t *testing.T) {
			tag := e.etagOf(t, "S1", "/api/v1/clients/{C1}")
			resp, body := e.do(t, req{who: "S1", method: "PATCH", path: "/api/v1/clients/{C1}", body: `{"phone":"+33 1 02 03 04 05"}`, header: ifMatch(tag)})
			require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			assert.Equal(t, bump(t, tag), resp.Header.Get("ETag"))
			assert.Equal(t, resp.Header.Get("ETag"), e.etagOf(t, "S1", "/api/v1/clients/{C1}"))
		})

		t.Run("a stale If-Match is refused and changes nothing", func(t *testing.T) {
			stale := e.etagOf(t, "S1", "/api/v1/contracts/{K2}")
			resp, _ := e.do(t, req{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount_due":"700.00"}`, header: ifMatch(stale)})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			for _, r := range []req{
				{who: "S1", method: "PATCH", path: "/api/v1/contracts/{K2}", body: `{"amount_due":"1.00"}`},
				{who: "S1", method: "PUT", path: "/api/v1/contracts/{K2}", body: `{"sales_contact_id":{S1},"amount":"800.00","amount_due":"2.00","payment_due":null,"status":"open"}`},
				{who: "S1", method: "POST", path: "/api/v1/contracts/{K2}/sign"},
				{who: "M", method: "DELETE", path: "/api/v1/contracts/{K2}"},
			} {
				r.header = ifMatch(stale)
				before := e.lastAuditID(t)
				resp, body := e.do(t, r)
				assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "%s: %s", r.method, body)
				decodeProblem(t, resp, body)
				assert.Equal(t, before, e.lastAuditID(t))
			}
			k, err := e.store.Deps().Contracts.FindContract(context.Background(), e.ids["K2"], crm.Everything)
			require.NoError(t, err)
			assert.Equal(t, "700.00", k.AmountDue.String())
			assert.Equal(t, crm.ContractOpen, k.Status)
		})

		t.Run("a malformed If-Match is refused", func(t *testing.T) {
			tag := e.etagOf(t, "P1", "/api/v1/events/{E1}")
			for _, bad := range []string{strings.Trim(tag, `"`), "W/" + tag, `"abc"`, `"0"`, `"-1"`, tag + ", " + tag, `""`} {
				resp, body := e.do(t, req{who: "P1", method: "PATCH", path: "/api/v1/events/{E1}", body: `{"notes":"x"}`, header: ifMatch(bad)})
				assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "If-Match %s: %s", bad, body)
			}
			assert.Equal(t, tag, e.etagOf(t, "P1", "/api/v1/events/{E1}"))
		})

		t.Run("If-Match * and the current tag are accepted", func(t *testing.T) {
			for _, h := range []func() string{func() string { return "*" }, func() string { return e.etagOf(t, "M", "/api/v1/users/{S2}") }} {
				resp, body := e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/{S2}", body: `{"first_name":"Sam"}`, header: ifMatch(h())})
				assert.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			}
		})

		t.Run("a delete with the current tag works", func(t *testing.T) {
			id := e.createClient(t, "S1", "short-lived@x.example")
			path := "/api/v1/clients/" + itoa(id)
			resp, body := e.do(t, req{who: "M", method: "DELETE", path: path, header: ifMatch(e.etagOf(t, "M", path))})
			require.Equal(t, http.StatusNoContent, resp.StatusCode, "body: %s", body)
			resp, _ = e.do(t, req{who: "M", method: "GET", path: path})
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		})

		t.Run("two concurrent writes with one tag: one wins, one is refused", func(t *testing.T) {
			tag := e.etagOf(t, "M", "/api/v1/clients/{C2}")
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, _ := e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/clients/{C2}",
						body: `{"company":"Writer ` + strconv.Itoa(i) + `"}`, header: ifMatch(tag)})
					statuses[i] = resp.StatusCode
				}()
			}
			wg.Wait()
			assert.ElementsMatch(t, []int{http.StatusOK, http.StatusPreconditionFailed}, statuses)
			assert.Equal(t, bump(t, tag), e.etagOf(t, "M", "/api/v1/clients/{C2}"))
		})
	})
}
