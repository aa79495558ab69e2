package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// window is the throttling window of the tests.
const window = 15 * time.Minute

// attempt returns a login attempt at the given time under keys, each with limit.
func attempt(id string, at time.Time, limit int, keys ...string) crm.LoginAttempt {
	a := crm.LoginAttempt{ID: id, At: at, Since: at.Add(-window), StaleBefore: at.Add(-time.Minute)}
	for _, k := range keys {
		a.Keys = append(a.Keys, crm.ThrottleKey{Key: k, Limit: limit})
	}
	return a
}

// reserve reserves an attempt and returns whether it was, and the counts seen.
func (f *fixture) reserve(a crm.LoginAttempt) (bool, []crm.LoginCount) {
	f.t.Helper()
	ok, counts, err := f.s.ReserveLoginAttempt(f.ctx, a)
	require.NoError(f.t, err)
	require.Len(f.t, counts, len(a.Keys))
	return ok, counts
}

// countOf returns the state of key at the given time.
func (f *fixture) countOf(key string, at time.Time) crm.LoginCount {
	f.t.Helper()
	_, counts := f.reserve(attempt("probe", at, 0, key))
	return counts[0]
}

func testLoginThrottle(t *testing.T, f *fixture) {
	t0 := f.now
	ok, counts := f.reserve(attempt("a1", t0, 5, "account:1", "addr:10.0.0.1"))
	require.True(t, ok)
	assert.Equal(t, []crm.LoginCount{{}, {}}, counts, "the counts before the reservation")
	require.NoError(t, f.s.FailLoginAttempt(f.ctx, "a1"))
	ok, _ = f.reserve(attempt("a2", t0.Add(time.Minute), 5, "account:1"))
	require.True(t, ok)
	ok, _ = f.reserve(attempt("a3", t0.Add(2*time.Minute), 5, "account:2", "addr:10.0.0.1"))
	require.True(t, ok)

	now := t0.Add(2 * time.Minute)
	assert.Equal(t, crm.LoginCount{Failures: 1, InFlight: 1, FirstFailure: t0}, f.countOf("account:1", now))
	assert.Equal(t, crm.LoginCount{Failures: 1, InFlight: 1, FirstFailure: t0}, f.countOf("addr:10.0.0.1", now),
		"an address collects every account")
	assert.Equal(t, crm.LoginCount{}, f.countOf("account:3", now), "none")

	require.NoError(t, f.s.FailLoginAttempt(f.ctx, "a2"))
	assert.Equal(t, crm.LoginCount{Failures: 2, FirstFailure: t0}, f.countOf("account:1", now),
		"a failure is dated when it was reserved")
	got := f.countOf("account:1", t0.Add(window+time.Second))
	assert.Equal(t, crm.LoginCount{Failures: 1, FirstFailure: t0.Add(time.Minute)}, got, "only the failures in the window")
	got = f.countOf("account:1", t0.Add(window))
	assert.Equal(t, 2, got.Failures, "the window's start is inclusive")

	// A reservation is refused when a key's failures plus attempts in flight reach its limit,
	// and then records nothing under any key.
	ok, _ = f.reserve(attempt("a4", now, 3, "addr:10.0.0.1", "account:1"))
	require.True(t, ok, "2 failures + 0 in flight < 3; the address has 1 failure + 1 in flight")
	ok, counts = f.reserve(attempt("a5", now, 3, "account:4", "account:1"))
	assert.False(t, ok)
	assert.Equal(t, []crm.LoginCount{{}, {Failures: 2, InFlight: 1, FirstFailure: t0}}, counts)
	assert.Equal(t, crm.LoginCount{}, f.countOf("account:4", now), "a refused reservation records nothing")

	// Releasing an attempt forgets it under every key; settling an unknown one is no error.
	require.NoError(t, f.s.ReleaseLoginAttempt(f.ctx, "a4"))
	assert.Equal(t, crm.LoginCount{Failures: 2, FirstFailure: t0}, f.countOf("account:1", now))
	assert.Equal(t, crm.LoginCount{Failures: 1, InFlight: 1, FirstFailure: t0}, f.countOf("addr:10.0.0.1", now))
	require.NoError(t, f.s.ReleaseLoginAttempt(f.ctx, "a4"))
	require.NoError(t, f.s.FailLoginAttempt(f.ctx, "unknown"))

	// Clearing a key forgets its failures only: its attempts in flight and other keys stay.
	ok, _ = f.reserve(attempt("a6", now, 5, "account:1"))
	require.True(t, ok)
	require.NoError(t, f.s.ClearLoginFailures(f.ctx, "account:1"))
	assert.Equal(t, crm.LoginCount{InFlight: 1}, f.countOf("account:1", now))
	assert.Equal(t, crm.LoginCount{Failures: 1, InFlight: 1, FirstFailure: t0}, f.countOf("addr:10.0.0.1", now))
	assert.Equal(t, crm.LoginCount{InFlight: 1}, f.countOf("account:2", now))

	// Attempts older than a day may be forgotten, never multiplied.
	ok, _ = f.reserve(attempt("a7", t0.Add(48*time.Hour), 5, "account:9"))
	require.True(t, ok)
	got = f.countOf("addr:10.0.0.1", now)
	assert.LessOrEqual(t, got.Failures+got.InFlight, 2)
}

// testLoginThrottleStale checks that a reservation never settled (its process stopped in the
// middle of a check) counts as a failure once it is older than StaleBefore.
func testLoginThrottleStale(t *testing.T, f *fixture) {
	t0 := f.now
	ok, _ := f.reserve(attempt("lost", t0, 5, "account:1"))
	require.True(t, ok)
	assert.Equal(t, crm.LoginCount{InFlight: 1}, f.countOf("account:1", t0.Add(59*time.Second)))
	assert.Equal(t, crm.LoginCount{Failures: 1, FirstFailure: t0}, f.countOf("account:1", t0.Add(time.Minute+time.Second)))
	require.NoError(t, f.s.ClearLoginFailures(f.ctx, "account:1"))
	assert.Equal(t, 1, f.countOf("account:1", t0.Add(2*time.Minute)).Failures, "a clear leaves reservations")
	assert.Equal(t, crm.LoginCount{}, f.countOf("account:1", t0.Add(window+time.Second)), "and the window forgets it")
}

// testLoginThrottleConcurrentReservations reserves under one key from many goroutines at once:
// exactly the limit of them get through, whatever the interleaving, in every process sharing
// the store (the store's own lock, not the caller's, decides).
func testLoginThrottleConcurrentReservations(t *testing.T, f *fixture) {
	const n, limit = 20, 5
	for round := 0; round < 3; round++ {
		key := fmt.Sprintf("account:%d", round)
		var wg sync.WaitGroup
		results := make(chan bool, n)
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := attempt(fmt.Sprintf("r%d-%d", round, i), f.now, limit, key, fmt.Sprintf("addr:10.1.%d.%d", round, i))
				ok, _, err := f.s.ReserveLoginAttempt(f.ctx, a)
				results <- ok
				errs <- err
			}()
		}
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		reserved := 0
		for ok := range results {
			if ok {
				reserved++
			}
		}
		assert.Equal(t, limit, reserved, "round %d", round)
		assert.Equal(t, crm.LoginCount{InFlight: limit}, f.countOf(key, f.now))
	}
}

// slowPasswords "hashes" by prefixing, and takes a while to check, as argon2id does.
type slowPasswords struct{}

func (slowPasswords) Hash(pw string) (string, error) { return "slow:" + pw, nil }

func (slowPasswords) Verify(hash, pw string) (bool, bool) {
	time.Sleep(10 * time.Millisecond)
	return hash == "slow:"+pw, false
}

func (slowPasswords) Validate(string, *crm.User) []crm.PasswordProblem { return nil }

// noScopes is a policy that grants nothing; logging in needs no permission.
type noScopes struct{}

func (noScopes) Scopes(crm.Role, crm.Resource, crm.Action) []crm.Scope { return nil }

// service returns a Service over the fixture's store, with slowPasswords and the real clock.
func (f *fixture) service() *crm.Service {
	return crm.New(crm.Deps{Users: f.s, Clients: f.s, Contracts: f.s, Events: f.s, Audit: f.s, Throttle: f.s,
		Authorizer: noScopes{}, Passwords: slowPasswords{}, Hashing: crm.Hashing{MaxConcurrent: 64}})
}

// logins runs n logins at once, each with the password password(i), and counts their error
// codes ("" for a success).
func logins(svc *crm.Service, n int, username string, password func(i int) string) map[string]int {
	var wg sync.WaitGroup
	codes := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Authenticate(context.Background(), username, password(i), fmt.Sprintf("192.0.2.%d", i))
			codes <- crm.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	return count
}

// testLoginThrottleConcurrentGuesses fires 20 wrong passwords for one account at once through
// the Service: exactly the allowance is checked, the rest throttled.
func testLoginThrottleConcurrentGuesses(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales, func(u *crm.User) { u.PasswordHash = "slow:right-password" })
	count := logins(f.service(), 20, u.Username, func(i int) string { return fmt.Sprintf("guess-%d", i) })
	limit := crm.DefaultThrottling.PerAccount
	assert.Equal(t, map[string]int{crm.EUNAUTHORIZED: limit, crm.ETHROTTLED: 20 - limit}, count)
}

// testLoginThrottleConcurrentLogins logs one account in 16 times at once through the Service,
// after failures that leave one slot: every login succeeds, none is refused for the others in
// flight.
func testLoginThrottleConcurrentLogins(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales, func(u *crm.User) { u.PasswordHash = "slow:right-password" })
	svc := f.service()
	limit := crm.DefaultThrottling.PerAccount
	count := logins(svc, limit-1, u.Username, func(int) string { return "wrong" })
	require.Equal(t, map[string]int{crm.EUNAUTHORIZED: limit - 1}, count)
	count = logins(svc, 16, u.Username, func(int) string { return "right-password" })
	assert.Equal(t, map[string]int{"": 16}, count)
}
