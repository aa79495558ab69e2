package crm_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// slowPasswords is fakePasswords whose hashes and checks take a while, as argon2id does, and
// that records how many ran at once.
type slowPasswords struct {
	fakePasswords
	delay   time.Duration
	running atomic.Int64
	peak    atomic.Int64
}

func (p *slowPasswords) work() {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		peak := p.peak.Load()
		if n <= peak || p.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	time.Sleep(p.delay)
}

func (p *slowPasswords) Hash(pw string) (string, error) {
	p.work()
	return p.fakePasswords.Hash(pw)
}

func (p *slowPasswords) Verify(hash, pw string) (bool, bool) {
	p.work()
	return p.fakePasswords.Verify(hash, pw)
}

// serviceWith returns a Service over w's store with other passwords and hashing limits.
func serviceWith(w *world, pw crm.Passwords, h crm.Hashing) *crm.Service {
	return crm.New(crm.Deps{Users: w.store, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: w.store, Authorizer: w.authz, Passwords: pw, Now: func() time.Time { return w.now }, Hashing: h})
}

// concurrently runs n logins at once and counts their error codes ("" for a success).
func concurrently(n int, login func(i int) error) map[string]int {
	var wg sync.WaitGroup
	var start sync.WaitGroup
	start.Add(1)
	codes := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			codes <- crm.ErrorCode(login(i))
		}()
	}
	start.Done()
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	return count
}

// renameLegacy gives the user id a username as it may have been stored before usernames were
// canonical (the identity rules refuse it now), straight in the fake store.
func renameLegacy(w *world, id int64, username string) {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	u := *w.store.users[id]
	u.Username = username
	w.store.users[id] = &u
}

// TestRenamedAccountCannotResetAnotherAccountsCounter replays the rename attack of the security
// test plan (case 37): the owner of an account named "chİef" (U+0130, which simple lower-casing
// turns into "chief"; an account kept from before usernames were canonical, since the identity
// rules now refuse the name) guesses the password of the account "chief" and logs in as themself
// between guesses. The victim's counter is keyed by the victim's account, so the attacker's
// successes never reset it: exactly the allowance of guesses is checked.
func TestRenamedAccountCannotResetAnotherAccountsCounter(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("chief"), Email: crm.Some("chief@epic.example"),
		Role: crm.Some(crm.RoleManagement), Password: crm.Some("a-secret-of-the-boss")})
	require.NoError(t, err)
	renameLegacy(w, w.S2.ID, "chİef")

	count := map[string]int{}
	for round := 0; round < 3; round++ {
		for i := 0; i < 4; i++ {
			_, err := w.svc.Authenticate(ctx, "chief", fmt.Sprintf("guess-%d-%d", round, i), "198.51.100.1")
			count[crm.ErrorCode(err)]++
		}
		u, err := w.svc.Authenticate(ctx, "chİef", goodPassword, "198.51.100.2")
		require.NoError(t, err, "the attacker's own login works")
		require.Equal(t, w.S2.ID, u.ID)
	}
	assert.Equal(t, crm.DefaultThrottling.PerAccount, count[crm.EUNAUTHORIZED], "guesses checked")
	assert.Equal(t, 12-crm.DefaultThrottling.PerAccount, count[crm.ETHROTTLED], "guesses refused")
	_, err = w.svc.Authenticate(ctx, "chief", "a-secret-of-the-boss", "198.51.100.3")
	requireCode(t, err, crm.ETHROTTLED)
}

// TestVariantsOfAnUnknownNameShareACounter checks that the case, width and Unicode variants of
// a name no one has are counted together (NFKC and case folding).
func TestVariantsOfAnUnknownNameShareACounter(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for i, name := range []string{"chief", "Chief", "CHIEF", "ｃｈｉｅｆ", "chieF"} {
		_, err := w.svc.Authenticate(ctx, name, "whatever-it-is", fmt.Sprintf("198.51.100.%d", i))
		requireCode(t, err, crm.EUNAUTHORIZED)
	}
	_, err := w.svc.Authenticate(ctx, "ＣＨＩＥＦ", "whatever-it-is", "198.51.100.9")
	requireCode(t, err, crm.ETHROTTLED)
	_, err = w.svc.Authenticate(ctx, "chİef", "whatever-it-is", "198.51.100.9")
	requireCode(t, err, crm.EUNAUTHORIZED)
	f, inFlight := w.store.loginRows("name:chi̇ef")
	assert.Equal(t, 1, f, "U+0130 folds to i and a combining dot above, a name of its own")
	assert.Zero(t, inFlight)
}

// TestSuccessClearsOnlyItsOwnAccount checks that a login clears the failures of its own
// account and leaves those of every other key, the address included.
func TestSuccessClearsOnlyItsOwnAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, name := range []string{"sam", "sue", "nobody"} {
		_, err := w.svc.Authenticate(ctx, name, "wrong-password", "198.51.100.7")
		requireCode(t, err, crm.EUNAUTHORIZED)
	}
	_, err := w.svc.Authenticate(ctx, "sam", goodPassword, "198.51.100.7")
	require.NoError(t, err)
	for key, want := range map[string]int{
		fmt.Sprintf("account:%d", w.S1.ID): 0, fmt.Sprintf("account:%d", w.S2.ID): 1,
		"name:nobody": 1, "addr:198.51.100.7": 3,
	} {
		f, inFlight := w.store.loginRows(key)
		assert.Equal(t, want, f, key)
		assert.Zero(t, inFlight, key)
	}
}

// TestConcurrentGuessesAreThrottledExactly fires 20 wrong logins for one account at once:
// exactly the account's allowance of them is checked, the others are throttled.
func TestConcurrentGuessesAreThrottledExactly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pw := &slowPasswords{delay: 20 * time.Millisecond}
	svc := serviceWith(w, pw, crm.Hashing{MaxConcurrent: 64})
	count := concurrently(20, func(i int) error {
		_, err := svc.Authenticate(context.Background(), "sam", fmt.Sprintf("guess-%d", i), fmt.Sprintf("10.9.0.%d", i))
		return err
	})
	assert.Equal(t, map[string]int{crm.EUNAUTHORIZED: crm.DefaultThrottling.PerAccount,
		crm.ETHROTTLED: 20 - crm.DefaultThrottling.PerAccount}, count)
	assert.LessOrEqual(t, pw.peak.Load(), int64(crm.DefaultThrottling.PerAccount), "checks at once")
}

// TestConcurrentCorrectLoginsAllSucceed logs one account in 16 times at once, from one address,
// after 4 failures: attempts in flight make the others wait their turn, never refuse them.
func TestConcurrentCorrectLoginsAllSucceed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pw := &slowPasswords{delay: 10 * time.Millisecond}
	svc := serviceWith(w, pw, crm.Hashing{MaxConcurrent: 64})
	for i := 0; i < crm.DefaultThrottling.PerAccount-1; i++ {
		_, err := svc.Authenticate(context.Background(), "sam", "wrong-password", "10.8.0.1")
		requireCode(t, err, crm.EUNAUTHORIZED)
	}
	count := concurrently(16, func(int) error {
		_, err := svc.Authenticate(context.Background(), "sam", goodPassword, "10.8.0.1")
		return err
	})
	assert.Equal(t, map[string]int{"": 16}, count)
	f, inFlight := w.store.loginRows(fmt.Sprintf("account:%d", w.S1.ID))
	assert.Zero(t, f)
	assert.Zero(t, inFlight)
	f, _ = w.store.loginRows("addr:10.8.0.1")
	assert.Equal(t, crm.DefaultThrottling.PerAccount-1, f, "the address keeps its failures")
}

// TestMixedConcurrentLogins runs right and wrong passwords for one account at once: every right
// one succeeds or is throttled only once the allowance of failures is used up, and no more
// wrong ones than the allowance are checked.
func TestMixedConcurrentLogins(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pw := &slowPasswords{delay: 10 * time.Millisecond}
	svc := serviceWith(w, pw, crm.Hashing{MaxConcurrent: 64})
	var wrongChecked atomic.Int64
	count := concurrently(24, func(i int) error {
		password := goodPassword
		if i%3 == 0 {
			password = fmt.Sprintf("guess-%d", i)
		}
		_, err := svc.Authenticate(context.Background(), "sam", password, fmt.Sprintf("10.7.0.%d", i))
		if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			wrongChecked.Add(1)
		}
		return err
	})
	assert.Equal(t, 24, count[""]+count[crm.EUNAUTHORIZED]+count[crm.ETHROTTLED], "%v", count)
	assert.LessOrEqual(t, wrongChecked.Load(), int64(8), "wrong guesses checked")
	assert.Positive(t, count[""], "right passwords get through")
}

// TestHashingIsBounded checks that no more hashes and checks than Hashing.MaxConcurrent run at
// once, that the others wait their turn, and that one that cannot get it in time is refused
// with EBUSY and a Retry-After, without counting as a failure.
func TestHashingIsBounded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pw := &slowPasswords{delay: 20 * time.Millisecond}
	svc := serviceWith(w, pw, crm.Hashing{MaxConcurrent: 2, Wait: 5 * time.Second})
	users := []string{"boss", "sam", "sue", "pat", "pia"}
	count := concurrently(10, func(i int) error {
		_, err := svc.Authenticate(context.Background(), users[i%len(users)], goodPassword, "")
		return err
	})
	assert.Equal(t, map[string]int{"": 10}, count, "they wait their turn")
	assert.Equal(t, int64(2), pw.peak.Load(), "at most two at once")

	slow := &slowPasswords{delay: 300 * time.Millisecond}
	svc = serviceWith(w, slow, crm.Hashing{MaxConcurrent: 1, Wait: 50 * time.Millisecond})
	count = concurrently(3, func(i int) error {
		_, err := svc.Authenticate(context.Background(), users[i], goodPassword, "203.0.113.50")
		var e *crm.Error
		if crm.ErrorCode(err) == crm.EBUSY && assert.ErrorAs(t, err, &e) {
			assert.Equal(t, time.Second, e.RetryAfter)
		}
		return err
	})
	assert.Equal(t, map[string]int{"": 1, crm.EBUSY: 2}, count)
	f, inFlight := w.store.loginRows("addr:203.0.113.50")
	assert.Zero(t, f, "a refusal for lack of time is no failure")
	assert.Zero(t, inFlight)
}

// TestHashingIsBoundedForNewPasswords checks that creating a user and changing a password wait
// for a hashing slot too, and fail with EBUSY, not a field error, when none comes free.
func TestHashingIsBoundedForNewPasswords(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	block := make(chan struct{})
	pw := &blockingPasswords{started: make(chan struct{}, 1), release: block}
	svc := serviceWith(w, pw, crm.Hashing{MaxConcurrent: 1, Wait: 20 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(context.Background(), "pat", goodPassword, "")
		done <- err
	}()
	<-pw.started
	_, err := svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("newbie"), Email: crm.Some("newbie@epic.example"),
		Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	requireCode(t, err, crm.EBUSY)
	err = svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password")
	requireCode(t, err, crm.EBUSY)
	_, err = svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Password: crm.Some("another-new-password")}, 0)
	requireCode(t, err, crm.EBUSY)
	close(block)
	require.NoError(t, <-done)
	f, inFlight := w.store.loginRows(fmt.Sprintf("account:%d", w.S1.ID))
	assert.Zero(t, f, "a password change that could not run is no failure")
	assert.Zero(t, inFlight)
	require.NoError(t, svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password"), "it works once the slot is free")
}

// blockingPasswords is fakePasswords whose checks wait until release is closed.
type blockingPasswords struct {
	fakePasswords
	started chan struct{}
	release chan struct{}
}

func (p *blockingPasswords) Verify(hash, pw string) (bool, bool) {
	select {
	case p.started <- struct{}{}:
	default:
	}
	<-p.release
	return p.fakePasswords.Verify(hash, pw)
}

// ctxThrottle is a LoginThrottle that, as a database would, refuses to work for a context that
// has ended.
type ctxThrottle struct{ crm.LoginThrottle }

func (c ctxThrottle) FailLoginAttempt(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.LoginThrottle.FailLoginAttempt(ctx, id)
}

func (c ctxThrottle) ReleaseLoginAttempt(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.LoginThrottle.ReleaseLoginAttempt(ctx, id)
}

// TestLoginCutShortIsNoFailure checks that a login whose request ends (a client gone, a server
// shutting down) while it waits for its password check frees its reservation, although its
// context has ended: it counts as nothing, neither a failure nor an attempt in flight.
func TestLoginCutShortIsNoFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	block := make(chan struct{})
	pw := &blockingPasswords{started: make(chan struct{}, 1), release: block}
	svc := crm.New(crm.Deps{Users: w.store, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: ctxThrottle{w.store}, Authorizer: w.authz, Passwords: pw, Now: func() time.Time { return w.now },
		Hashing: crm.Hashing{MaxConcurrent: 1, Wait: time.Minute}})
	first := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(context.Background(), "pat", goodPassword, "")
		first <- err
	}()
	<-pw.started // pat's check holds the only hashing slot
	ctx, cancel := context.WithCancel(context.Background())
	cut := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(ctx, "sam", goodPassword, "")
		cut <- err
	}()
	key := fmt.Sprintf("account:%d", w.S1.ID)
	require.Eventually(t, func() bool { _, n := w.store.loginRows(key); return n == 1 },
		5*time.Second, time.Millisecond, "sam's attempt is reserved and waits for the slot")
	cancel()
	requireCode(t, <-cut, crm.EUNAVAILABLE)
	f, inFlight := w.store.loginRows(key)
	assert.Zero(t, f, "a login cut short is no failure")
	assert.Zero(t, inFlight, "its reservation is freed although its context ended")
	close(block)
	require.NoError(t, <-first)
}
