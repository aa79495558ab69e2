package httpapi_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentCreates sends creates at the same time (security test plan, case 53): users
// with one email address are created exactly once, the others refused as a conflict by the
// database's constraint (a check-then-insert would let several through), and distinct clients
// created in parallel are all there, none lost.
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		const users, clients = 12, 30
		statuses := make([]int, users)
		var wg sync.WaitGroup
		for i := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"username":"twin%d","email":"twin@epic.example","role":"sales","password":%q}`, i, testPassword)
				resp, _ := e.do(t, req{who: "M", method: "POST", path: "/api/v1/users", body: body})
				statuses[i] = resp.StatusCode
			}()
		}
		created := make([]int, clients)
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"first_name":"Para","last_name":"Llel","email":"para%d@client.example"}`, i)
				resp, _ := e.do(t, req{who: "S1", method: "POST", path: "/api/v1/clients", body: body})
				created[i] = resp.StatusCode
			}()
		}
		wg.Wait()

		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		assert.Equal(t, 1, count[201], "exactly one user is created: %v", count)
		// 503 is the answer of a login or password hash that waited too long for a core.
		assert.Equal(t, users, count[201]+count[409]+count[503], "the others are conflicts: %v", count)
		resp, body := e.do(t, req{who: "M", method: "GET", path: "/api/v1/users?email=twin%40epic.example"})
		require.Equal(t, 200, resp.StatusCode, "%s", body)
		var page struct{ Items []json.RawMessage }
		require.NoError(t, json.Unmarshal(body, &page))
		assert.Len(t, page.Items, 1, "one user holds the address")

		for i, s := range created {
			assert.Equal(t, 201, s, "client %d", i)
		}
		resp, body = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients?last_name=Llel&limit=500"})
		require.Equal(t, 200, resp.StatusCode, "%s", body)
		page.Items = nil
		require.NoError(t, json.Unmarshal(body, &page))
		assert.Len(t, page.Items, clients, "every client created in parallel is there")
	})
}
