package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
	"github.com/epicevents/epiccrm/policy"
)

// newKey creates an API key as the fixture manager and remembers it as the fixture "who",
// whose bearer credential is then the key. It returns the key as created.
func (e *env) newKey(t *testing.T, who, body string) crm.NewAPIKey {
	t.Helper()
	resp, b := e.do(t, req{who: "M", method: "POST", path: "/api/v1/api-keys", body: body})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", b)
	var k crm.NewAPIKey
	require.NoError(t, json.Unmarshal(b, &k))
	require.NotNil(t, k.APIKey)
	e.access[who] = k.Key
	e.ids[who] = k.APIKey.UserID
	return k
}

// requireUnauthorized checks a 401 problem whose detail contains want.
func requireUnauthorized(t *testing.T, resp *http.Response, body []byte, want string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", body)
	assert.Contains(t, decodeProblem(t, resp, body).Detail, want)
}

// TestAPIKeyActsWithItsRole checks that a key of role sales acts as a sales user: only its own
// records, 403 where sales gets 403, audited under its service account; that the list never
// shows a secret; and that after DELETE the key fails at once.
func TestAPIKeyActsWithItsRole(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		key := e.newKey(t, "K", `{"name": "billing export", "role": "sales"}`)
		assert.True(t, strings.HasPrefix(key.Key, crm.APIKeyPrefix), key.Key)
		assert.Len(t, key.Key, 56)
		assert.Equal(t, key.Key[:12], key.APIKey.Prefix)
		assert.Equal(t, crm.RoleSales, key.APIKey.Role)
		assert.Nil(t, key.APIKey.ExpiresAt)

		// The key's own new client is its own, and it sees no one else's.
		resp, b := e.do(t, req{who: "K", method: "POST", path: "/api/v1/clients",
			body: `{"first_name": "Ivy", "last_name": "Integration", "email": "ivy@feed.example"}`})
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", b)
		var c crm.Client
		require.NoError(t, json.Unmarshal(b, &c))
		require.NotNil(t, c.SalesContactID)
		assert.Equal(t, key.APIKey.UserID, *c.SalesContactID)
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/clients"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		var clients struct{ Items []crm.Client }
		require.NoError(t, json.Unmarshal(b, &clients))
		require.Len(t, clients.Items, 1)
		assert.Equal(t, c.ID, clients.Items[0].ID)
		for _, r := range []struct {
			method, path, body string
			status             int
		}{
			{"GET", "/api/v1/clients/{C1}", "", http.StatusNotFound},
			{"PATCH", "/api/v1/clients/{C1}", `{"company": "Hijack"}`, http.StatusNotFound},
			{"POST", "/api/v1/users", `{"username": "intruder", "email": "i@x.example", "role": "management", "password": "Tangerine-Orbit-42"}`, http.StatusForbidden},
			{"GET", "/api/v1/audit", "", http.StatusForbidden},
			{"GET", "/api/v1/api-keys", "", http.StatusForbidden},
			{"POST", "/api/v1/api-keys", `{"name": "more", "role": "management"}`, http.StatusForbidden},
		} {
			resp, b := e.do(t, req{who: "K", method: r.method, path: r.path, body: r.body})
			assert.Equal(t, r.status, resp.StatusCode, "%s %s: %s", r.method, r.path, b)
		}
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/me"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		var me crm.User
		require.NoError(t, json.Unmarshal(b, &me))
		assert.Equal(t, crm.KindService, me.Kind)
		assert.Equal(t, "billing export", me.FirstName)

		// Audited under the service account.
		resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/audit?resource=client&resource_id=" + itoa(c.ID)})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		var audit struct{ Items []crm.AuditEntry }
		require.NoError(t, json.Unmarshal(b, &audit))
		require.Len(t, audit.Items, 1)
		assert.Equal(t, key.APIKey.UserID, audit.Items[0].ActorID)
		assert.Equal(t, "billing export", audit.Items[0].ActorName)

		// The list shows the key, its role and last use, never the secret.
		resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/api-keys"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.NotContains(t, string(b), key.Key)
		assert.NotContains(t, string(b), key.Key[12:20])
		var list struct{ Items []crm.APIKey }
		require.NoError(t, json.Unmarshal(b, &list))
		require.Len(t, list.Items, 1)
		assert.Equal(t, key.APIKey.ID, list.Items[0].ID)
		assert.NotNil(t, list.Items[0].LastUsedAt, "a use is recorded")
		assert.Nil(t, list.Items[0].RevokedAt)

		// The service account shows as such in the users list.
		resp, b = e.do(t, req{who: "M", method: "GET", path: "/api/v1/users/" + itoa(key.APIKey.UserID)})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		assert.Contains(t, string(b), `"kind":"service"`)

		// Revoked: the next request fails, and revoking again changes nothing.
		resp, b = e.do(t, req{who: "M", method: "DELETE", path: "/api/v1/api-keys/" + itoa(key.APIKey.ID)})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", b)
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/clients"})
		requireUnauthorized(t, resp, b, "revoked")
		last := e.lastAuditID(t)
		resp, b = e.do(t, req{who: "M", method: "DELETE", path: "/api/v1/api-keys/" + itoa(key.APIKey.ID)})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", b)
		assert.Equal(t, last, e.lastAuditID(t), "a second revocation writes nothing")
		svc, err := e.store.Deps().Users.FindUser(context.Background(), key.APIKey.UserID, crm.Everything)
		require.NoError(t, err)
		assert.False(t, svc.IsActive, "revoking deactivates the service account")
		resp, b = e.do(t, req{who: "M", method: "DELETE", path: "/api/v1/api-keys/999999"})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", b)
	})
}

// TestAPIKeyManagement checks that only management manages keys, and that bad input is refused
// field by field.
func TestAPIKeyManagement(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		for _, who := range []string{"S1", "P1"} {
			resp, b := e.do(t, req{who: who, method: "POST", path: "/api/v1/api-keys", body: `{"name": "mine", "role": "management"}`})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", who, b)
			resp, b = e.do(t, req{who: who, method: "GET", path: "/api/v1/api-keys"})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", who, b)
			resp, b = e.do(t, req{who: who, method: "DELETE", path: "/api/v1/api-keys/1"})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", who, b)
		}
		last := e.lastAuditID(t)
		resp, b := e.do(t, req{who: "M", method: "POST", path: "/api/v1/api-keys",
			body: `{"name": " ", "role": "boss", "expires_at": "2001-01-01T00:00:00Z"}`})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s", b)
		assert.ElementsMatch(t, []string{"name", "role", "expires_at"}, fieldNames(decodeProblem(t, resp, b)))
		resp, b = e.do(t, req{who: "M", method: "POST", path: "/api/v1/api-keys", body: `{"name": "x", "role": "sales", "secret": "mine"}`})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "unknown fields are refused: %s", b)
		assert.Equal(t, last, e.lastAuditID(t), "nothing was written")

		// A service account never logs in with a password, and none can be set.
		key := e.newKey(t, "K", `{"name": "crm sync", "role": "management"}`)
		svc, err := e.store.Deps().Users.FindUser(context.Background(), key.APIKey.UserID, crm.Everything)
		require.NoError(t, err)
		resp, b = e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: `{"username": "` + svc.Username + `", "password": ""}`})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", b)
		resp, b = e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/" + itoa(svc.ID), body: `{"password": "Tangerine-Orbit-42"}`})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", b)
		resp, b = e.do(t, req{who: "K", method: "POST", path: "/api/v1/me/password",
			body: `{"current_password": "", "new_password": "Tangerine-Orbit-42"}`})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", b)
		// A management key manages keys too, like any manager.
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/api-keys"})
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	})
}

// TestAPIKeyRefused checks the 401 of a malformed, unknown, expired key and of a deactivated
// service account.
func TestAPIKeyRefused(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		clock := testclock.New(time.Now())
		e := newEnv(t, k, func(o *envOptions) {
			o.wrap = func(d crm.Deps) crm.Deps { d.Now = clock.Now; return d }
		})
		e.access["bad"] = crm.APIKeyPrefix + "not-a-key"
		resp, b := e.do(t, req{who: "bad", method: "GET", path: "/api/v1/me"})
		requireUnauthorized(t, resp, b, "malformed API key")
		e.access["unknown"] = crm.APIKeyPrefix + strings.Repeat("a", 52)
		resp, b = e.do(t, req{who: "unknown", method: "GET", path: "/api/v1/me"})
		requireUnauthorized(t, resp, b, "unknown API key")

		expires := clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		key := e.newKey(t, "K", `{"name": "short-lived", "role": "support", "expires_at": "`+expires+`"}`)
		require.NotNil(t, key.APIKey.ExpiresAt)
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/events"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		clock.Advance(2 * time.Hour)
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/events"})
		requireUnauthorized(t, resp, b, "expired")

		other := e.newKey(t, "K2", `{"name": "deactivated", "role": "sales"}`)
		resp, b = e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/" + itoa(other.APIKey.UserID), body: `{"is_active": false}`})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		resp, b = e.do(t, req{who: "K2", method: "GET", path: "/api/v1/me"})
		requireUnauthorized(t, resp, b, "deactivated")
		assert.NotContains(t, e.logs.String(), other.Key, "a key is never logged")
		assert.NotContains(t, e.logs.String(), key.Key, "a key is never logged")
	})
}

// TestAPIKeyFollowsPolicy checks that a policy reload applies to a key at its next request.
func TestAPIKeyFollowsPolicy(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		path := filepath.Join(t.TempDir(), "policy.csv")
		require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
		live, err := policy.Watch(context.Background(), path, nil)
		require.NoError(t, err)
		t.Cleanup(func() { live.Close() })
		e := newEnv(t, k, func(o *envOptions) {
			o.wrap = func(d crm.Deps) crm.Deps { d.Authorizer = live; return d }
		})
		e.newKey(t, "K", `{"name": "support feed", "role": "support"}`)
		resp, b := e.do(t, req{who: "K", method: "GET", path: "/api/v1/clients/{C2}"})
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", b)
		require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV+"p, support, client, read, any\n"), 0o600))
		require.NoError(t, live.Reload())
		resp, b = e.do(t, req{who: "K", method: "GET", path: "/api/v1/clients/{C2}"})
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	})
}
