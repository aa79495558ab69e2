package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/gatedpw"
)

// tokenPair is the body of a login or refresh.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// loginAs logs in through the API and returns the pair, failing the test unless it works.
func (e *env) loginAs(t *testing.T, username, password string) tokenPair {
	t.Helper()
	resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/login",
		body: `{"username":` + strconv.Quote(username) + `,"password":` + strconv.Quote(password) + `}`})
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	var p tokenPair
	require.NoError(t, json.Unmarshal(body, &p))
	return p
}

// withToken sends a request with a given Authorization header value ("" for none).
func (e *env) withToken(t *testing.T, auth, method, path string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{}
	if auth != "" {
		h["Authorization"] = auth
	}
	return e.do(t, req{method: method, path: path, header: h})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		login := func(t *testing.T, user, pass string) (*http.Response, []byte) {
			t.Helper()
			return e.do(t, req{method: "POST", path: "/api/v1/auth/login",
				body: `{"username":` + strconv.Quote(user) + `,"password":` + strconv.Quote(pass) + `}`})
		}

		t.Run("a good password gives a working pair", func(t *testing.T) {
			resp, body := login(t, "sally", testPassword)
			require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			var p tokenPair
			require.NoError(t, json.Unmarshal(body, &p))
			assert.Equal(t, "Bearer", p.TokenType)
			assert.Equal(t, int64(900), p.ExpiresIn)
			assert.NotEmpty(t, p.RefreshToken)
			resp, body = e.withToken(t, "Bearer "+p.AccessToken, "GET", "/api/v1/me")
			require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
			assert.Contains(t, string(body), `"username":"sally"`)
			resp, _ = e.withToken(t, "bearer "+p.AccessToken, "GET", "/api/v1/me")
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the scheme is case-insensitive")
		})

		t.Run("unknown user, wrong password and deactivated account look the same", func(t *testing.T) {
			gone := e.createUser(t, "retired", crm.RoleSupport)
			_, err := e.svc.UpdateUser(e.as("M"), gone.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
			require.NoError(t, err)
			var bodies []string
			for _, c := range [][2]string{{"nobody", testPassword}, {"sam", "wrong-password"}, {"retired", testPassword}} {
				resp, body := login(t, c[0], c[1])
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "body: %s", body)
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
				decodeProblem(t, resp, body)
				bodies = append(bodies, string(body))
			}
			assert.Equal(t, bodies[0], bodies[1])
			assert.Equal(t, bodies[0], bodies[2])
		})

		t.Run("too many failures are throttled, even with the right password", func(t *testing.T) {
			e.createUser(t, "victim", crm.RoleSales)
			for i := 0; i < 5; i++ {
				resp, body := login(t, "victim", "guess-"+strconv.Itoa(i))
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "body: %s", body)
			}
			resp, body := login(t, "victim", testPassword)
			require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "body: %s", body)
			decodeProblem(t, resp, body)
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			require.NoError(t, err, "Retry-After must be a number of seconds")
			assert.True(t, secs > 0 && secs <= 15*60, "Retry-After: %d", secs)
		})

		t.Run("no password or token reaches the log", func(t *testing.T) {
			p := e.loginAs(t, "pat", testPassword)
			e.withToken(t, "Bearer "+p.AccessToken, "GET", "/api/v1/me")
			logs := e.logs.String()
			require.NotEmpty(t, logs)
			for _, secret := range []string{testPassword, p.AccessToken, p.RefreshToken, "guess-1", "Bearer"} {
				assert.NotContains(t, logs, secret)
			}
		})
	})
}

// TestSimultaneousGuessesAreThrottled fires wrong passwords for one account all at once: at most
// the account's allowance of 5 is checked, the rest are throttled (the attempt is counted before
// the password is checked, in the database, so parallel requests see each other).
func TestSimultaneousGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		e.createUser(t, "target", crm.RoleSales)
		const n = 30
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				resp, _ := e.do(t, req{method: "POST", path: "/api/v1/auth/login",
					body: `{"username":"target","password":"guess-` + strconv.Itoa(i) + `-wrong"}`})
				statuses <- resp.StatusCode
			}(i)
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		assert.Equal(t, map[int]int{http.StatusUnauthorized: 5, http.StatusTooManyRequests: n - 5}, count,
			"exactly 5 guesses are checked")
	})
}

// TestSimultaneousCorrectLoginsSucceed logs one account in 16 times at once: the attempts in
// flight make the others wait their turn, they never lock the account.
func TestSimultaneousCorrectLoginsSucceed(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		e.createUser(t, "popular", crm.RoleSales)
		const n = 16
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, _ := e.do(t, req{method: "POST", path: "/api/v1/auth/login",
					body: `{"username":"popular","password":"` + testPassword + `"}`})
				statuses <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		assert.Equal(t, map[int]int{http.StatusOK: n}, count)
	})
}

// TestRenameCannotResetAnotherAccountsThrottle replays the attack of the security test plan
// (case 37) through the API: a user whose account is named as a variant of a victim's username
// (Director for director; chİef, with U+0130, for chief: renamed through the API where the
// identity rules allow it, otherwise as kept from before usernames were canonical) guesses the
// victim's password 4 times, logs in as themself, and repeats. The victim's counter belongs to the victim's
// account, so the attacker's logins never reset it: of 12 guesses, 5 are checked.
func TestRenameCannotResetAnotherAccountsThrottle(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		login := func(user, pass string) int {
			resp, _ := e.do(t, req{method: "POST", path: "/api/v1/auth/login",
				body: `{"username":` + strconv.Quote(user) + `,"password":` + strconv.Quote(pass) + `}`})
			return resp.StatusCode
		}
		for _, tc := range []struct{ victim, variant string }{{"director", "Director"}, {"chief", "chİef"}} {
			t.Run(tc.victim, func(t *testing.T) {
				e.createUser(t, tc.victim, crm.RoleManagement)
				attacker := e.createUser(t, freshName("sly"), crm.RoleSales)
				resp, body := e.do(t, req{who: "M", method: "PATCH", path: "/api/v1/users/" + itoa(attacker.ID),
					body: `{"username":` + strconv.Quote(tc.variant) + `}`})
				if resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusUnprocessableEntity {
					// The identity rules refuse the name now: the account can still exist from
					// before usernames were canonical. Rename it in the store, under the rules.
					_, err := e.store.Deps().Users.UpdateUser(context.Background(), attacker.ID, crm.EveryWrite,
						func(u *crm.User) ([]crm.AuditEntry, error) { u.Username = tc.variant; return nil, nil })
					if crm.ErrorCode(err) == crm.ECONFLICT {
						t.Skipf("%q cannot exist beside %q, even in the store, so the attack cannot be set up", tc.variant, tc.victim)
					}
					require.NoError(t, err)
				} else {
					require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
				}

				count := map[int]int{}
				for round := 0; round < 3; round++ {
					for i := 0; i < 4; i++ {
						count[login(tc.victim, "guess-"+itoa(round*4+i))]++
					}
					require.Equal(t, http.StatusOK, login(tc.variant, testPassword), "the attacker's own login")
				}
				assert.Equal(t, map[int]int{http.StatusUnauthorized: 5, http.StatusTooManyRequests: 7}, count,
					"of 12 guesses, the allowance of 5 is checked")
				assert.Equal(t, http.StatusTooManyRequests, login(tc.victim, testPassword), "the victim's account is throttled")
			})
		}
	})
}

// TestBusyHashingIs503WithRetryAfter checks that a login that cannot get a hashing slot in time
// gets 503 with Retry-After and a problem document, and counts as no failure.
func TestBusyHashingIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		var gated *gatedpw.Passwords
		e := newEnv(t, open, func(o *envOptions) {
			o.wrap = func(d crm.Deps) crm.Deps {
				gated = gatedpw.New(d.Passwords)
				d.Passwords = gated
				d.Hashing = crm.Hashing{MaxConcurrent: 1, Wait: 20 * time.Millisecond}
				return d
			}
		})
		release := gated.Close()
		first := make(chan int, 1)
		go func() {
			resp, _ := e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"sam","password":"` + testPassword + `"}`})
			first <- resp.StatusCode
		}()
		<-gated.Waiting
		for range 6 {
			resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"sally","password":"wrong-password"}`})
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "body: %s", body)
			assert.Equal(t, "1", resp.Header.Get("Retry-After"))
			p := decodeProblem(t, resp, body)
			assert.Contains(t, p.Detail, "busy")
		}
		release()
		assert.Equal(t, http.StatusOK, <-first)
		e.loginAs(t, "sally", testPassword)
	})
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		refresh := func(t *testing.T, token string) (*http.Response, tokenPair) {
			t.Helper()
			resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: `{"refresh_token":"` + token + `"}`})
			var p tokenPair
			if resp.StatusCode == http.StatusOK {
				require.NoError(t, json.Unmarshal(body, &p))
				assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			} else {
				decodeProblem(t, resp, body)
			}
			return resp, p
		}

		t.Run("rotation, and reuse revokes the family", func(t *testing.T) {
			first := e.loginAs(t, "sally", testPassword)
			resp, second := refresh(t, first.RefreshToken)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
			resp, _ = e.withToken(t, "Bearer "+second.AccessToken, "GET", "/api/v1/me")
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			resp, _ = refresh(t, first.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a used refresh token works again")
			resp, _ = refresh(t, second.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the family survived the reuse")

			other := e.loginAs(t, "sally", testPassword)
			resp, _ = refresh(t, other.RefreshToken)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "another family was revoked too")
		})

		t.Run("logout revokes the refresh token", func(t *testing.T) {
			p := e.loginAs(t, "sam", testPassword)
			resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/logout", body: `{"refresh_token":"` + p.RefreshToken + `"}`,
				header: map[string]string{"Authorization": "Bearer " + p.AccessToken}})
			require.Equal(t, http.StatusNoContent, resp.StatusCode, "body: %s", body)
			resp, _ = refresh(t, p.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})

		t.Run("logout with another user's refresh token leaves it working", func(t *testing.T) {
			victim := e.loginAs(t, "paula", testPassword)
			intruder := e.loginAs(t, "sam", testPassword)
			unknown := strings.Repeat("A", 43)
			var answers [][]byte
			for _, token := range []string{victim.RefreshToken, unknown} {
				resp, body := e.do(t, req{method: "POST", path: "/api/v1/auth/logout", body: `{"refresh_token":"` + token + `"}`,
					header: map[string]string{"Authorization": "Bearer " + intruder.AccessToken}})
				require.Equal(t, http.StatusNoContent, resp.StatusCode, "body: %s", body)
				answers = append(answers, body)
			}
			assert.Equal(t, answers[1], answers[0], "the answer does not tell another user's token from an unknown one")
			resp, p := refresh(t, victim.RefreshToken)
			require.Equal(t, http.StatusOK, resp.StatusCode, "the victim's login was ended by someone else")
			resp, _ = e.withToken(t, "Bearer "+p.AccessToken, "GET", "/api/v1/me")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			resp, _ = refresh(t, intruder.RefreshToken)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the caller's own login goes on")
		})

		t.Run("an access token is not a refresh token", func(t *testing.T) {
			p := e.loginAs(t, "pat", testPassword)
			resp, _ := refresh(t, p.AccessToken)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	})
}

// TestAccessEndsAtOnce checks that deactivating a user, changing their role or their password
// refuses the tokens they hold at their next request, not when the tokens expire.
func TestAccessEndsAtOnce(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		cases := []struct {
			name, who, by, path, body string
		}{
			{"deactivated", "S2", "M", "/api/v1/users/{S2}", `{"is_active":false}`},
			{"role changed", "P2", "M", "/api/v1/users/{P2}", `{"role":"sales"}`},
			{"password changed by management", "P1", "M", "/api/v1/users/{P1}", `{"password":"Completely-New-88"}`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				pair := e.loginAs(t, e.users[tc.who].Username, testPassword)
				resp, _ := e.do(t, req{who: tc.who, method: "GET", path: "/api/v1/me"})
				require.Equal(t, http.StatusOK, resp.StatusCode)
				resp, body := e.do(t, req{who: tc.by, method: "PATCH", path: tc.path, body: tc.body})
				require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)

				resp, body = e.do(t, req{who: tc.who, method: "GET", path: "/api/v1/me"})
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "body: %s", body)
				resp, _ = e.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: `{"refresh_token":"` + pair.RefreshToken + `"}`})
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the refresh token still works")
			})
		}

		t.Run("own password changed", func(t *testing.T) {
			resp, body := e.do(t, req{who: "S1", method: "POST", path: "/api/v1/me/password",
				body: `{"current_password":"` + testPassword + `","new_password":"Fresh-Lavender-71"}`})
			require.Equal(t, http.StatusNoContent, resp.StatusCode, "body: %s", body)
			resp, _ = e.do(t, req{who: "S1", method: "GET", path: "/api/v1/me"})
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			e.loginAs(t, "sally", "Fresh-Lavender-71")
			resp, _ = e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"sally","password":"` + testPassword + `"}`})
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	})
}

// TestRejectedTokens sends forged, altered and misplaced credentials: each is a 401 with
// WWW-Authenticate: Bearer.
func TestRejectedTokens(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		good := e.access["S1"]
		parts := strings.Split(good, ".")
		require.Len(t, parts, 3)
		header, payload := decodeSegment(t, parts[0]), decodeSegment(t, parts[1])
		payload["sub"] = strconv.FormatInt(e.ids["M"], 10)
		tampered := parts[0] + "." + encodeSegment(t, payload) + "." + parts[2]
		noneHeader := map[string]any{"alg": "none", "typ": header["typ"], "kid": header["kid"]}
		none := encodeSegment(t, noneHeader) + "." + parts[1] + "."
		noneSigned := encodeSegment(t, noneHeader) + "." + parts[1] + "." + parts[2]
		hsHeader := map[string]any{"alg": "HS256", "typ": header["typ"], "kid": header["kid"]}
		confused := encodeSegment(t, hsHeader) + "." + parts[1] + "." + parts[2]

		_, otherKey, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		foreign, err := jwtauth.New(jwtauth.Config{}, otherKey, e.store, e.svc)
		require.NoError(t, err)
		fp, err := foreign.Issue(context.Background(), e.current(t, "S1"))
		require.NoError(t, err)
		old, err := jwtauth.New(jwtauth.Config{Now: func() time.Time { return time.Now().Add(-time.Hour) }}, otherKey, e.store, e.svc)
		require.NoError(t, err)
		expired, err := old.Issue(context.Background(), e.current(t, "S1"))
		require.NoError(t, err)
		refreshOnly := e.loginAs(t, "sally", testPassword).RefreshToken

		cases := map[string]map[string]string{
			"no header":                  {},
			"empty bearer":               {"Authorization": "Bearer "},
			"bearer only":                {"Authorization": "Bearer"},
			"garbage":                    {"Authorization": "Bearer x.y.z"},
			"basic":                      {"Authorization": "Basic c2FsbHk6VGFuZ2VyaW5lLU9yYml0LTQy"},
			"token then more":            {"Authorization": "Bearer " + good + " extra"},
			"refresh token as bearer":    {"Authorization": "Bearer " + refreshOnly},
			"tampered claims":            {"Authorization": "Bearer " + tampered},
			"alg none":                   {"Authorization": "Bearer " + none},
			"alg none, signature kept":   {"Authorization": "Bearer " + noneSigned},
			"algorithm confusion":        {"Authorization": "Bearer " + confused},
			"signature stripped":         {"Authorization": "Bearer " + parts[0] + "." + parts[1] + "."},
			"two segments":               {"Authorization": "Bearer " + parts[0] + "." + parts[1]},
			"another server's key":       {"Authorization": "Bearer " + fp.AccessToken},
			"expired":                    {"Authorization": "Bearer " + expired.AccessToken},
			"JSON serialisation":         {"Authorization": `Bearer {"payload":"` + parts[1] + `","signatures":[]}`},
			"3 KB of junk":               {"Authorization": "Bearer " + strings.Repeat("A", 3000)},
			"admin session cookie only":  {"Cookie": "epiccrm_session=" + good + "; __Host-epiccrm_session=" + good},
			"token in the query string":  {"X-Query": "unused"},
			"token in another header":    {"X-Access-Token": good},
			"bearer in Proxy-Authorize":  {"Proxy-Authorization": "Bearer " + good},
			"token with a trailing dot":  {"Authorization": "Bearer " + good + "."},
			"lowercase but tampered sig": {"Authorization": "bearer " + parts[0] + "." + parts[1] + "." + strings.ToLower(parts[2])},
		}
		for name, h := range cases {
			t.Run(name, func(t *testing.T) {
				resp, body := e.do(t, req{method: "GET", path: "/api/v1/me", header: h})
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "body: %s", body)
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
				decodeProblem(t, resp, body)
			})
		}
		t.Run("the untouched token works", func(t *testing.T) {
			resp, _ := e.withToken(t, "Bearer "+good, "GET", "/api/v1/me")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	})
}

// publicRoutes are the routes that need no token (SPEC section 5).
var publicRoutes = map[string]bool{
	"POST /api/v1/auth/login": true, "POST /api/v1/auth/refresh": true, "GET /.well-known/jwks.json": true,
	"GET /api/openapi.json": true, "GET /api/docs": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	// A calendar feed: the secret in its path is the credential (see calendar_test.go).
	"GET /api/v1/calendar/:feed": true, "GET /api/v1/calendar/{feed}": true,
}

// TestEveryRouteNeedsAToken calls every route the app serves, except the public ones, without a
// token and with a bad one: each is a 401 that runs nothing.
func TestEveryRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open storeKind) {
		e := newEnv(t, open)
		n := 0
		for _, r := range e.app.GetRoutes(true) {
			r.Path = strings.TrimPrefix(r.Path, e.prefix)
			key := r.Method + " " + r.Path
			if r.Method == "HEAD" || publicRoutes[key] {
				continue
			}
			n++
			path := strings.ReplaceAll(r.Path, ":id", "{C1}")
			for _, auth := range []string{"", "Bearer not.a.token", "Basic bWFuYWdlcjp4"} {
				t.Run(key+" "+auth, func(t *testing.T) {
					before := e.lastAuditID(t)
					h := map[string]string{}
					if auth != "" {
						h["Authorization"] = auth
					}
					resp, body := e.do(t, req{method: r.Method, path: path, header: h, body: `{}`})
					require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "body: %s", body)
					assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
					assert.Equal(t, before, e.lastAuditID(t))
				})
			}
		}
		assert.Greater(t, n, 25, "the app serves fewer protected routes than the API has")
		for key := range publicRoutes {
			method, path, _ := strings.Cut(key, " ")
			if method != "GET" || strings.ContainsAny(path, ":{") {
				continue
			}
			resp, body := e.do(t, req{method: method, path: path})
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", key, body)
		}
	})
}

func decodeSegment(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func encodeSegment(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}
