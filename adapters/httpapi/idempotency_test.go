package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// idemKey is the header of the tests.
const idemKey = "Idempotency-Key"

// postWithKey sends a POST as who with an Idempotency-Key.
func (e *env) postWithKey(t *testing.T, who, path, key, body string) (*http.Response, []byte) {
	t.Helper()
	return e.do(t, req{who: who, method: "POST", path: path, body: body, header: map[string]string{idemKey: key}})
}

// countClients returns how many clients the store holds.
func (e *env) countClients(t *testing.T) int {
	t.Helper()
	n, err := e.store.Deps().Clients.CountClients(context.Background(), crm.ClientFilter{}, crm.FullAccess)
	require.NoError(t, err)
	return n
}

// TestIdempotencyReplay checks that a retry with the same key, caller and request gets the first
// answer (status, body, Location, ETag) marked as a replay, and writes nothing: no record, no
// audit entry. A body with its keys in another order and white space is the same request, and a
// quoted key is the same key as the bare one.
func TestIdempotencyReplay(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		body := `{"first_name": "Ida", "last_name": "Empotent", "email": "ida@example.com"}`
		first, firstBody := e.postWithKey(t, "S1", "/api/v1/clients", "key-1", body)
		require.Equal(t, 201, first.StatusCode, string(firstBody))
		assert.Empty(t, first.Header.Get("Idempotent-Replayed"))
		clients, audit := e.countClients(t), e.lastAuditID(t)

		for _, retry := range []struct{ key, body string }{
			{"key-1", body},
			{`"key-1"`, `{"email":"ida@example.com","last_name":"Empotent","first_name":"Ida"}`},
		} {
			resp, got := e.postWithKey(t, "S1", "/api/v1/clients", retry.key, retry.body)
			require.Equal(t, 201, resp.StatusCode, string(got))
			assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
			assert.JSONEq(t, string(firstBody), string(got))
			for _, h := range []string{"Location", "ETag", "Content-Type"} {
				assert.Equal(t, first.Header.Get(h), resp.Header.Get(h), h)
			}
		}
		assert.Equal(t, clients, e.countClients(t), "a replay must not write")
		assert.Equal(t, audit, e.lastAuditID(t), "a replay must not audit")

		// A contract signed under a key: the retry gets the signed contract, not a 409.
		sign, signed := e.postWithKey(t, "S1", "/api/v1/contracts/{K2}/sign", "sign-1", "")
		require.Equal(t, 200, sign.StatusCode, string(signed))
		again, replayed := e.postWithKey(t, "S1", "/api/v1/contracts/{K2}/sign", "sign-1", "")
		require.Equal(t, 200, again.StatusCode, string(replayed))
		assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		assert.JSONEq(t, string(signed), string(replayed))
		assert.Equal(t, sign.Header.Get("ETag"), again.Header.Get("ETag"))

		// The same works for users, whose version is not in the body.
		ubody := `{"username":"idemuser","email":"idemuser@epic.example","first_name":"I","last_name":"U",` +
			`"role":"sales","password":"` + testPassword + `"}`
		u1, ub1 := e.postWithKey(t, "M", "/api/v1/users", "user-1", ubody)
		require.Equal(t, 201, u1.StatusCode, string(ub1))
		u2, ub2 := e.postWithKey(t, "M", "/api/v1/users", "user-1", ubody)
		require.Equal(t, 201, u2.StatusCode, string(ub2))
		assert.JSONEq(t, string(ub1), string(ub2))
		assert.Equal(t, u1.Header.Get("ETag"), u2.Header.Get("ETag"))
		assert.Equal(t, u1.Header.Get("Location"), u2.Header.Get("Location"))
	})
}

// TestIdempotencyRefusals checks the 422 of a key reused for another request, the scoping of
// keys to their caller, and the 400 of a malformed key.
func TestIdempotencyRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		body := `{"first_name":"Ida","last_name":"Empotent","email":"ida@example.com"}`
		resp, b := e.postWithKey(t, "S1", "/api/v1/clients", "k", body)
		require.Equal(t, 201, resp.StatusCode, string(b))
		clients := e.countClients(t)

		for name, r := range map[string]req{
			"another body": {who: "S1", method: "POST", path: "/api/v1/clients", body: strings.Replace(body, "Ida", "Ada", 1)},
			"another path": {who: "S1", method: "POST", path: "/api/v1/contracts/{K2}/sign"},
		} {
			r.header = map[string]string{idemKey: "k"}
			resp, b := e.do(t, r)
			require.Equal(t, 422, resp.StatusCode, "%s: %s", name, b)
			assert.Contains(t, fieldNames(decodeProblem(t, resp, b)), idemKey, name)
		}

		// S2's identical key is S2's own: a new write, never S1's answer.
		resp, b = e.postWithKey(t, "S2", "/api/v1/clients", "k", strings.Replace(body, "ida@", "ida2@", 1))
		require.Equal(t, 201, resp.StatusCode, string(b))
		assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
		assert.Equal(t, clients+1, e.countClients(t))

		for name, key := range map[string]string{
			"empty": "", "quoted empty": `""`, "too long": strings.Repeat("x", 256), "a tab": "a\tb",
			"not ASCII": "clé", "a bad quoted string": `"a"b"`,
		} {
			resp, b := e.postWithKey(t, "S1", "/api/v1/clients", key, body)
			require.Equal(t, 400, resp.StatusCode, "%s: %s", name, b)
			assert.Contains(t, fieldNames(decodeProblem(t, resp, b)), idemKey, name)
		}
		resp, b = e.postWithKey(t, "S1", "/api/v1/clients", strings.Repeat("x", 255), strings.Replace(body, "ida@", "ida3@", 1))
		require.Equal(t, 201, resp.StatusCode, "a key of 255 characters is fine: %s", b)
	})
}

// blockingClients is a client store whose CreateClient waits for release once armed, and
// fails with fail when it is set.
type blockingClients struct {
	crm.ClientStore
	armed   *atomic.Bool
	entered chan struct{}
	release chan struct{}
	fail    *atomic.Bool
}

func (b blockingClients) CreateClient(ctx context.Context, c *crm.Client, audit []crm.AuditEntry) error {
	if b.fail.Load() {
		return &crm.Error{Code: crm.EUNAVAILABLE, Message: "the database is unavailable right now"}
	}
	if b.armed.Load() {
		b.entered <- struct{}{}
		<-b.release
	}
	return b.ClientStore.CreateClient(ctx, c, audit)
}

// TestIdempotencyInFlightAndFailure checks the 409 of a key whose first request still runs,
// and that a failed write gives its key back: the retry really writes.
func TestIdempotencyInFlightAndFailure(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		bc := blockingClients{armed: &atomic.Bool{}, entered: make(chan struct{}), release: make(chan struct{}),
			fail: &atomic.Bool{}}
		e := newEnv(t, k, func(o *envOptions) {
			o.wrap = func(d crm.Deps) crm.Deps {
				bc.ClientStore = d.Clients
				d.Clients = bc
				return d
			}
		})
		body := `{"first_name":"Ida","last_name":"Empotent","email":"ida@example.com"}`

		bc.fail.Store(true)
		resp, b := e.postWithKey(t, "S1", "/api/v1/clients", "k", body)
		require.Equal(t, 503, resp.StatusCode, string(b))
		bc.fail.Store(false)
		clients := e.countClients(t)

		bc.armed.Store(true)
		type answer struct {
			status int
			body   []byte
		}
		done := make(chan answer)
		go func() {
			resp, b := e.postWithKey(t, "S1", "/api/v1/clients", "k", body)
			done <- answer{resp.StatusCode, b}
		}()
		<-bc.entered
		resp, b = e.postWithKey(t, "S1", "/api/v1/clients", "k", body)
		assert.Equal(t, 409, resp.StatusCode, string(b))
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		assert.Contains(t, fieldNames(decodeProblem(t, resp, b)), idemKey)
		close(bc.release)
		first := <-done
		require.Equal(t, 201, first.status, "the retry after a failure really writes: %s", first.body)
		assert.Equal(t, clients+1, e.countClients(t))

		bc.armed.Store(false)
		resp, b = e.postWithKey(t, "S1", "/api/v1/clients", "k", body)
		require.Equal(t, 201, resp.StatusCode, string(b))
		assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
		assert.JSONEq(t, string(first.body), string(b))
		assert.Equal(t, clients+1, e.countClients(t))
	})
}

// TestIdempotencyOptOuts checks that the POSTs that ignore the key do: login, a public route
// whose answer holds fresh tokens, and the password change.
func TestIdempotencyOptOuts(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		login := `{"username":"sally","password":"` + testPassword + `"}`
		var tokens []string
		for range 2 {
			resp, b := e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: login,
				header: map[string]string{idemKey: "same"}})
			require.Equal(t, 200, resp.StatusCode, string(b))
			assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
			var pair struct {
				RefreshToken string `json:"refresh_token"`
			}
			require.NoError(t, json.Unmarshal(b, &pair))
			tokens = append(tokens, pair.RefreshToken)
		}
		assert.NotEqual(t, tokens[0], tokens[1], "a login is never replayed: its tokens are not stored")
		// /me/password ignores the key: its retry could not authenticate anyway. A wrong current
		// password is refused each time, never replayed.
		for range 2 {
			resp, b := e.do(t, req{who: "S1", method: "POST", path: "/api/v1/me/password",
				body:   `{"current_password":"wrong-one","new_password":"Another-Long-Passphrase-7"}`,
				header: map[string]string{idemKey: "same"}})
			require.NotEqual(t, 204, resp.StatusCode, string(b))
			assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
		}
	})
}

// TestIdempotencyWithoutRecord checks a POST that writes no record (logout): its answer is
// stored after its handler, and replayed.
func TestIdempotencyWithoutRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		pair, err := e.tokens.Issue(context.Background(), e.current(t, "S1"))
		require.NoError(t, err)
		logout := req{who: "S1", method: "POST", path: "/api/v1/auth/logout",
			body: `{"refresh_token":"` + pair.RefreshToken + `"}`, header: map[string]string{idemKey: "bye"}}
		resp, b := e.do(t, logout)
		require.Equal(t, 204, resp.StatusCode, string(b))
		assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
		resp, b = e.do(t, logout)
		require.Equal(t, 204, resp.StatusCode, string(b))
		assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
		assert.Empty(t, b)
		logout.body = `{"refresh_token":"another"}`
		resp, b = e.do(t, logout)
		require.Equal(t, 422, resp.StatusCode, string(b))
	})
}

// TestIdempotencyNeverKeepsSecrets checks that the POSTs whose answer shows a new secret once
// (an API key, a webhook's signing secret) ignore Idempotency-Key: a retry with the same key
// makes another secret rather than replaying the first, and nothing is stored under the key,
// so that no secret lies in clear in the idempotency table.
func TestIdempotencyNeverKeepsSecrets(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/api-keys", `{"name": "nightly export", "role": "management"}`, "key"},
		{"/api/v1/webhooks", `{"url":"https://hooks.example.com/crm","events":["contract.signed"]}`, "secret"},
	} {
		key := "secret-" + c.field
		var secrets []string
		for range 2 {
			resp, b := e.postWithKey(t, "M", c.path, key, c.body)
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%s: %s", c.path, b)
			assert.Empty(t, resp.Header.Get("Idempotent-Replayed"), c.path)
			var answer map[string]any
			require.NoError(t, json.Unmarshal(b, &answer))
			secret, _ := answer[c.field].(string)
			require.NotEmpty(t, secret, "%s shows its secret: %s", c.path, b)
			secrets = append(secrets, secret)
		}
		assert.NotEqual(t, secrets[0], secrets[1], "%s: a retry is never replayed", c.path)
		r, err := e.store.ReserveIdempotencyKey(context.Background(), crm.IdempotencyRequest{
			Owner: e.ids["M"], Key: key, Fingerprint: "probe", Now: time.Now(), Lease: time.Minute, TTL: time.Hour})
		require.NoError(t, err)
		assert.Equal(t, crm.IdempotencyReserved, r.State, "%s: nothing is stored under the key", c.path)
		assert.Nil(t, r.Response, c.path)
	}
}

// TestIdempotencyKeepsNoHashOfPasswords checks that no request's fingerprint, a fast hash kept
// for a day, covers a password: a user created with a key and retried with another password is
// replayed (the password is not part of the request's identity), and a users import, whose
// file holds passwords, ignores the key and stores nothing under it: its retry is refused, as
// the users it created exist, and writes nothing.
func TestIdempotencyKeepsNoHashOfPasswords(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	user := func(password string) string {
		return `{"username": "keyed", "email": "keyed@epic.example", "role": "sales", "password": "` + password + `"}`
	}
	resp, b := e.postWithKey(t, "M", "/api/v1/users", "new-user", user("Tangerine-Orbit-42"))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(b))
	resp, b = e.postWithKey(t, "M", "/api/v1/users", "new-user", user("Another-Orbit-43"))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(b))
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"), "the password is not part of the request's fingerprint")
	resp, b = e.postWithKey(t, "M", "/api/v1/users", "new-user", strings.Replace(user("Tangerine-Orbit-42"), "keyed@", "other@", 1))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "another email is another request: %s", b)

	file := "username,email,first_name,last_name,role,password\r\nfiled,filed@epic.example,Fil,Ed,sales,Velvet-Harbor-91\r\n"
	for i, want := range []int{http.StatusOK, http.StatusUnprocessableEntity} {
		r := req{who: "M", method: "POST", path: "/api/v1/users/import", header: map[string]string{idemKey: "import"}}
		resp, b := e.doBody(t, r, file, "text/csv")
		require.Equal(t, want, resp.StatusCode, string(b))
		assert.Empty(t, resp.Header.Get("Idempotent-Replayed"), "import %d is not replayed", i+1)
	}
	r, err := e.store.ReserveIdempotencyKey(context.Background(), crm.IdempotencyRequest{
		Owner: e.ids["M"], Key: "import", Fingerprint: "probe", Now: time.Now(), Lease: time.Minute, TTL: time.Hour})
	require.NoError(t, err)
	assert.Equal(t, crm.IdempotencyReserved, r.State, "nothing is stored under an import's key")
}
