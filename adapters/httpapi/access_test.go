package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accessBody is the body of GET /api/v1/{resource}/{id}/access.
type accessBody struct {
	Resource string `json:"resource"`
	ID       int64  `json:"id"`
	Users    []struct {
		Username     string `json:"username"`
		Read         bool   `json:"read"`
		Update       bool   `json:"update"`
		ReadReason   string `json:"read_reason"`
		UpdateReason string `json:"update_reason"`
	} `json:"users"`
}

// TestRecordAccessAgreesWithReadsAndWrites asks management who can see each record of the
// fixture, then checks every answer against a real read (GET) and a real update (a PATCH that
// changes nothing) by that user.
func TestRecordAccessAgreesWithReadsAndWrites(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		whoByName := map[string]string{}
		for who, u := range e.users {
			whoByName[u.Username] = who
		}
		records := []struct{ plural, name string }{
			{"clients", "C1"}, {"clients", "C2"}, {"contracts", "K1"}, {"contracts", "K2"}, {"events", "E1"},
			{"users", "M"}, {"users", "S1"}, {"users", "P2"},
		}
		for _, rec := range records {
			path := "/api/v1/" + rec.plural + "/{" + rec.name + "}"
			res, body := e.do(t, req{who: "M", method: "GET", path: path + "/access"})
			require.Equal(t, http.StatusOK, res.StatusCode, string(body))
			var got accessBody
			require.NoError(t, json.Unmarshal(body, &got))
			require.Equal(t, e.ids[rec.name], got.ID)
			require.Len(t, got.Users, len(e.users), "every active user is listed")
			for _, u := range got.Users {
				who := whoByName[u.Username]
				require.NotEmpty(t, who, u.Username)
				res, _ := e.do(t, req{who: who, method: "GET", path: path})
				assert.Equal(t, u.Read, res.StatusCode == http.StatusOK, "%s reading %s: access says %v (%s), GET says %d",
					who, rec.name, u.Read, u.ReadReason, res.StatusCode)
				assert.NotEmpty(t, u.ReadReason)
				res, b := e.do(t, req{who: who, method: "PATCH", path: path, body: "{}"})
				assert.Equal(t, u.Update, res.StatusCode == http.StatusOK, "%s updating %s: access says %v (%s), PATCH says %d %s",
					who, rec.name, u.Update, u.UpdateReason, res.StatusCode, b)
				if !u.Read {
					assert.Equal(t, http.StatusNotFound, res.StatusCode, "a record outside the read scope is not found")
				}
			}
		}

		res, _ := e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/{C1}/access"})
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "sales may read C1 but not ask who else can")
		res, _ = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/clients/{C2}/access"})
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "a record outside the read scope is not found, as usual")
		res, _ = e.do(t, req{who: "P1", method: "GET", path: "/api/v1/events/{E1}/access"})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		res, _ = e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients/999999/access"})
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		res, _ = e.do(t, req{method: "GET", path: "/api/v1/clients/{C1}/access"})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	})
}

// TestRecordAccessReasons checks the reasons given for the fixture's client C1 (owned by S1).
func TestRecordAccessReasons(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	res, body := e.do(t, req{who: "M", method: "GET", path: "/api/v1/clients/{C1}/access"})
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	var got accessBody
	require.NoError(t, json.Unmarshal(body, &got))
	reasons := map[string]string{}
	for _, u := range got.Users {
		reasons[u.Username] = u.ReadReason
	}
	assert.Equal(t, "own: the client's sales contact is sally", reasons["sally"])
	assert.Contains(t, reasons["sam"], "own: the client's sales contact is sally, not sam")
	assert.Equal(t, "assigned: pat is the support contact of an event of this client", reasons["pat"])
	assert.Contains(t, reasons["paula"], "assigned: paula is the support contact of no event of this client")
	assert.Equal(t, "any: every client", reasons["manager"])
}

// TestRecordAccessInOpenAPI checks that the operation is documented, with an example.
func TestRecordAccessInOpenAPI(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	res, body := e.do(t, req{method: "GET", path: "/api/openapi.json"})
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Responses   map[string]struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	for _, plural := range []string{"users", "clients", "contracts", "events"} {
		op, ok := doc.Paths["/api/v1/"+plural+"/{id}/access"]["get"]
		require.True(t, ok, plural)
		var ex accessBody
		require.NoError(t, json.Unmarshal(op.Responses["200"].Content["application/json"].Example, &ex), "%s: an example of the answer", op.OperationID)
		assert.NotEmpty(t, ex.Users)
	}
}
