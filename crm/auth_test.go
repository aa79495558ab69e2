package crm_test

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

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	u, err := w.svc.Authenticate(ctx, "sam", goodPassword, "10.0.0.1")
	require.NoError(t, err)
	assert.Equal(t, w.S1.ID, u.ID)
	require.NotNil(t, u.LastLogin)
	assert.Equal(t, w.now, *u.LastLogin)

	// Unknown user, wrong password and deactivated account look the same.
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	var messages []string
	for _, try := range [][2]string{{"nobody", goodPassword}, {"sam", "wrong-password"}, {"sue", goodPassword}} {
		_, err := w.svc.Authenticate(ctx, try[0], try[1], "10.0.0.2")
		requireCode(t, err, crm.EUNAUTHORIZED)
		messages = append(messages, crm.ErrorMessage(err))
	}
	assert.Equal(t, messages[0], messages[1])
	assert.Equal(t, messages[0], messages[2])
}

func TestAuthenticateThrottlesPerAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for i := 0; i < crm.DefaultThrottling.PerAccount; i++ {
		_, err := w.svc.Authenticate(ctx, "sam", "wrong-password", fmt.Sprintf("10.0.1.%d", i))
		requireCode(t, err, crm.EUNAUTHORIZED)
		w.now = w.now.Add(time.Minute)
	}
	// Even the right password, from yet another address, is throttled now.
	_, err := w.svc.Authenticate(ctx, "sam", goodPassword, "10.0.2.1")
	requireCode(t, err, crm.ETHROTTLED)
	var e *crm.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 10*time.Minute, e.RetryAfter, "until the first failure leaves the 15-minute window")
	// Other accounts are not affected.
	_, err = w.svc.Authenticate(ctx, "pat", goodPassword, "10.0.2.1")
	require.NoError(t, err)
	// Throttling, not a lockout: after the window the right password works again.
	w.now = w.now.Add(11 * time.Minute)
	_, err = w.svc.Authenticate(ctx, "sam", goodPassword, "10.0.2.1")
	require.NoError(t, err)
	// A success clears the account's failures.
	_, err = w.svc.Authenticate(ctx, "sam", "wrong-password", "10.0.2.1")
	requireCode(t, err, crm.EUNAUTHORIZED)
	_, err = w.svc.Authenticate(ctx, "sam", goodPassword, "10.0.2.1")
	require.NoError(t, err)
}

func TestAuthenticateThrottlesPerAddress(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for i := 0; i < crm.DefaultThrottling.PerAddress; i++ {
		_, err := w.svc.Authenticate(ctx, fmt.Sprintf("user%d", i), "whatever-it-is", "203.0.113.9")
		requireCode(t, err, crm.EUNAUTHORIZED)
	}
	_, err := w.svc.Authenticate(ctx, "pat", goodPassword, "203.0.113.9")
	requireCode(t, err, crm.ETHROTTLED)
	_, err = w.svc.Authenticate(ctx, "pat", goodPassword, "203.0.113.10")
	require.NoError(t, err)
}

func TestAuthenticateRehashes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Store an "old-parameter" hash for S1, as a bump of the hash parameters would leave it.
	_, err := w.store.UpdateUser(context.Background(), w.S1.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.PasswordHash = "h0:" + goodPassword
		return nil, nil
	})
	require.NoError(t, err)
	u, err := w.svc.Authenticate(context.Background(), "sam", goodPassword, "")
	require.NoError(t, err)
	assert.Equal(t, "h1:"+goodPassword, u.PasswordHash)
}

func TestActor(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	u, err := w.svc.Actor(ctx, w.P1.ID, w.P1.AuthVersion)
	require.NoError(t, err)
	assert.Equal(t, w.P1.Username, u.Username)
	_, err = w.svc.Actor(ctx, w.P1.ID, w.P1.AuthVersion+1)
	requireCode(t, err, crm.EUNAUTHORIZED)
	_, err = w.svc.Actor(ctx, 9999, 1)
	requireCode(t, err, crm.EUNAUTHORIZED)
}

func TestBootstrapAndHasUsers(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	svc := crm.New(crm.Deps{Users: store, Clients: store, Contracts: store, Events: store, Audit: store,
		Throttle: store, Authorizer: defaultMatrix(), Passwords: fakePasswords{}})
	ctx := context.Background()
	has, err := svc.HasUsers(ctx)
	require.NoError(t, err)
	assert.False(t, has)
	u, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"), Email: crm.Some("admin@epic.example"),
		Password: crm.Some(goodPassword), Role: crm.Some(crm.RoleSales)})
	require.NoError(t, err)
	assert.Equal(t, crm.RoleManagement, u.Role, "bootstrap always makes a management user")
	has, err = svc.HasUsers(ctx)
	require.NoError(t, err)
	assert.True(t, has)
	entries := store.auditOf(crm.ResourceUser, u.ID)
	require.Len(t, entries, 1)
	assert.Equal(t, int64(0), entries[0].ActorID, "the system created it")
	_, err = svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin2")})
	requireCode(t, err, crm.EINVALID)
}

func TestAuthenticateWithAnImpossibleUsername(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.Authenticate(context.Background(), "sam\x00", goodPassword, "10.0.0.9")
	requireCode(t, err, crm.EUNAUTHORIZED)
	n, inFlight := w.store.loginRows("addr:10.0.0.9")
	assert.Equal(t, 1, n, "it counts as a failed login")
	assert.Zero(t, inFlight)
}

// TestConcurrentGuessesAreThrottled fires many wrong logins for one account at once: at most the
// account's allowance of them is checked, the others are throttled, however they interleave.
func TestConcurrentGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const n = 40
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := w.svc.Authenticate(context.Background(), "sam", fmt.Sprintf("guess-%d-wrong", i), fmt.Sprintf("10.9.0.%d", i))
			codes <- crm.ErrorCode(err)
		}(i)
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	assert.LessOrEqual(t, count[crm.EUNAUTHORIZED], crm.DefaultThrottling.PerAccount, "at most the allowance is checked")
	assert.Equal(t, n, count[crm.EUNAUTHORIZED]+count[crm.ETHROTTLED])
}

// TestSuccessfulLoginsDoNotCountAgainstTheAddress checks that the attempt counted in advance is
// forgotten when it succeeds: an office behind one address logs in more often than the address
// allowance of failures.
func TestSuccessfulLoginsDoNotCountAgainstTheAddress(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i := 0; i < crm.DefaultThrottling.PerAddress+5; i++ {
		_, err := w.svc.Authenticate(context.Background(), []string{"sam", "pat"}[i%2], goodPassword, "192.0.2.7")
		require.NoError(t, err, "login %d", i)
	}
	n, inFlight := w.store.loginRows("addr:192.0.2.7")
	assert.Zero(t, n)
	assert.Zero(t, inFlight)
}

// TestWrongCurrentPasswordsAreThrottled checks that a stolen session cannot guess the current
// password without limit: wrong guesses count against the account like failed logins.
func TestWrongCurrentPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i := 0; i < crm.DefaultThrottling.PerAccount; i++ {
		err := w.svc.ChangePassword(w.ctxS1, fmt.Sprintf("guess-%d", i), "a-brand-new-password")
		requireCode(t, err, crm.EINVALID)
	}
	err := w.svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password")
	requireCode(t, err, crm.ETHROTTLED)
	_, err = w.svc.Authenticate(context.Background(), "sam", goodPassword, "10.1.1.1")
	requireCode(t, err, crm.ETHROTTLED)
	w.now = w.now.Add(16 * time.Minute)
	require.NoError(t, w.svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password"))
}

// lockSpy is a store that records whether a password was hashed while a user's write was open.
type lockSpy struct {
	*memStore
	inWrite bool
}

func (l *lockSpy) UpdateUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) (*crm.User, error) {
	return l.memStore.UpdateUser(ctx, id, ws, func(u *crm.User) ([]crm.AuditEntry, error) {
		l.inWrite = true
		defer func() { l.inWrite = false }()
		return fn(u)
	})
}

type spyPasswords struct {
	fakePasswords
	spy          *lockSpy
	hashedInside bool
}

func (p *spyPasswords) Hash(pw string) (string, error) {
	p.hashedInside = p.hashedInside || p.spy.inWrite
	return p.fakePasswords.Hash(pw)
}

// TestPasswordsAreHashedOutsideTheWrite checks that the slow hashing of a new password never
// runs while the user's row is locked (SQLite has a single writer, so that would stall every
// other write).
func TestPasswordsAreHashedOutsideTheWrite(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	spy := &lockSpy{memStore: w.store}
	pws := &spyPasswords{spy: spy}
	svc := crm.New(crm.Deps{Users: spy, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: w.store, Authorizer: w.authz, Passwords: pws, Now: func() time.Time { return w.now }})
	require.NoError(t, svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password"))
	_, err := svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Password: crm.Some("another-new-password")}, 0)
	require.NoError(t, err)
	assert.False(t, pws.hashedInside, "a password was hashed inside a write")
	_, err = svc.Authenticate(context.Background(), "sue", "another-new-password", "")
	require.NoError(t, err, "management's reset took effect")
}

// TestLoginIsNotAnEdit checks that logging in records the time without changing the user's
// version, so a manager editing that user meanwhile does not get a stale-form refusal.
func TestLoginIsNotAnEdit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	before, err := w.svc.GetUser(w.ctxM, w.S1.ID)
	require.NoError(t, err)
	_, err = w.svc.Authenticate(context.Background(), "sam", goodPassword, "")
	require.NoError(t, err)
	after, err := w.svc.GetUser(w.ctxM, w.S1.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version)
	require.NotNil(t, after.LastLogin)
	assert.Equal(t, w.now, *after.LastLogin)
	_, err = w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{LastName: crm.Some("Stone")}, before.Version)
	assert.NoError(t, err)
}
