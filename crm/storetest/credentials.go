package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// familyAge is how long before the fixture's now the families of token began: days and odd
// microseconds, so that a store that drops the family's start or its precision fails.
const familyAge = 3*24*time.Hour + 654321*time.Microsecond

// token saves a refresh token of user u in family, valid for an hour from the fixture's now, in
// a family that began familyAge earlier.
func (f *fixture) token(u *crm.User, hash, family string) *crm.RefreshToken {
	f.t.Helper()
	tok := &crm.RefreshToken{Hash: []byte(hash), FamilyID: family, UserID: u.ID, AuthVersion: u.AuthVersion,
		IssuedAt: f.now, ExpiresAt: f.now.Add(time.Hour), FamilyIssuedAt: f.now.Add(-familyAge)}
	require.NoError(f.t, f.s.SaveRefreshToken(f.ctx, tok))
	return tok
}

func testRefreshTokenRotation(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales, func(u *crm.User) { u.AuthVersion = 7 })
	first := f.token(u, "hash-1", "family-a")
	use := f.now.Add(time.Minute)

	got, err := f.s.UseRefreshToken(f.ctx, []byte("hash-1"), use)
	require.NoError(t, err)
	assert.Equal(t, first, got, "the used token comes back whole")
	assert.Equal(t, f.now.Add(-familyAge), got.FamilyIssuedAt, "the family's start, to the microsecond, in UTC")

	second := f.token(u, "hash-2", "family-a")
	other := f.token(u, "hash-other", "family-b")
	_, err = f.s.UseRefreshToken(f.ctx, []byte("hash-1"), use)
	assertCode(t, crm.EUNAUTHORIZED, err, "a used token cannot be used again")
	_, err = f.s.UseRefreshToken(f.ctx, second.Hash, use)
	assertCode(t, crm.EUNAUTHORIZED, err, "reusing a token revoked its whole family")
	got, err = f.s.UseRefreshToken(f.ctx, other.Hash, use)
	require.NoError(t, err, "other families are untouched")
	assert.Equal(t, other, got)

	_, err = f.s.UseRefreshToken(f.ctx, []byte("unknown"), use)
	assertCode(t, crm.EUNAUTHORIZED, err, "an unknown token")

	expiring := f.token(u, "hash-expiring", "family-c")
	sibling := f.token(u, "hash-sibling", "family-c")
	_, err = f.s.UseRefreshToken(f.ctx, expiring.Hash, expiring.ExpiresAt)
	assertCode(t, crm.EUNAUTHORIZED, err, "a token is expired at its expiry time")
	_, err = f.s.UseRefreshToken(f.ctx, sibling.Hash, use)
	assert.NoError(t, err, "an expired token does not revoke its family")

	revoked := f.token(u, "hash-revoked", "family-d")
	sibling = f.token(u, "hash-revoked-sibling", "family-d")
	require.NoError(t, f.s.RevokeRefreshToken(f.ctx, revoked.Hash, u.ID))
	require.NoError(t, f.s.RevokeRefreshToken(f.ctx, []byte("unknown"), u.ID), "revoking an unknown token is no error")
	for _, tok := range []*crm.RefreshToken{revoked, sibling} {
		_, err = f.s.UseRefreshToken(f.ctx, tok.Hash, use)
		assertCode(t, crm.EUNAUTHORIZED, err, "revoking a token revokes its family")
	}

	// A successor saved after its family was revoked (a refresh that raced with a reuse or a
	// logout) is refused too: revocation sticks to the family, not only to its rows of the time.
	late := f.token(u, "hash-late", "family-d")
	_, err = f.s.UseRefreshToken(f.ctx, late.Hash, use)
	assertCode(t, crm.EUNAUTHORIZED, err, "a token saved into a revoked family")
	f.token(u, "hash-e1", "family-e")
	_, err = f.s.UseRefreshToken(f.ctx, []byte("hash-e1"), use)
	require.NoError(t, err)
	require.NoError(t, f.s.RevokeRefreshToken(f.ctx, []byte("hash-e1"), u.ID), "logout")
	f.token(u, "hash-e2", "family-e")
	_, err = f.s.UseRefreshToken(f.ctx, []byte("hash-e2"), use)
	assertCode(t, crm.EUNAUTHORIZED, err, "the successor of a logged-out token")

	// Revoking names the token's user: another user's id changes nothing, in any family.
	someoneElse := f.user(crm.RoleSales)
	mine := f.token(u, "hash-mine", "family-f")
	mineToo := f.token(u, "hash-mine-too", "family-f")
	require.NoError(t, f.s.RevokeRefreshToken(f.ctx, mine.Hash, someoneElse.ID), "another user's token is no error")
	for _, tok := range []*crm.RefreshToken{mine, mineToo} {
		got, err := f.s.UseRefreshToken(f.ctx, tok.Hash, use)
		require.NoError(t, err, "a token revoked under another user's id still works")
		assert.Equal(t, tok, got)
	}

	dup := &crm.RefreshToken{Hash: []byte("hash-2"), FamilyID: "x", UserID: u.ID, AuthVersion: 1, IssuedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	assertCode(t, crm.ECONFLICT, f.s.SaveRefreshToken(f.ctx, dup), "a token hash is unique")
}

func testRefreshTokenConcurrentUse(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales)
	const users = 10
	for round := 0; round < 3; round++ {
		tok := f.token(u, fmt.Sprintf("hash-%d", round), fmt.Sprintf("family-%d", round))
		var wg sync.WaitGroup
		results := make(chan error, users)
		for i := 0; i < users; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.UseRefreshToken(f.ctx, tok.Hash, f.now.Add(time.Second))
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
				continue
			}
			assertCode(t, crm.EUNAUTHORIZED, err)
		}
		assert.Equal(t, 1, ok, "round %d: exactly one of %d concurrent uses succeeds", round, users)
	}
}

func testSessions(t *testing.T, f *fixture) {
	u := f.user(crm.RoleManagement)
	old := &crm.Session{IDHash: []byte("old"), UserID: u.ID, AuthVersion: 1, CSRFToken: "csrf-old",
		CreatedAt: f.now.Add(-2 * time.Hour), LastSeen: f.now.Add(-2 * time.Hour)}
	fresh := &crm.Session{IDHash: []byte("fresh"), UserID: u.ID, AuthVersion: 2, CSRFToken: "csrf-fresh",
		CreatedAt: f.now, LastSeen: f.now}
	require.NoError(t, f.s.CreateSession(f.ctx, old))
	require.NoError(t, f.s.CreateSession(f.ctx, fresh))
	assertCode(t, crm.ECONFLICT, f.s.CreateSession(f.ctx, fresh), "a session id is unique")

	got, err := f.s.FindSession(f.ctx, []byte("fresh"))
	require.NoError(t, err)
	assert.Equal(t, fresh, got)
	_, err = f.s.FindSession(f.ctx, []byte("nope"))
	assertCode(t, crm.ENOTFOUND, err)

	seen := f.now.Add(5 * time.Minute)
	require.NoError(t, f.s.TouchSession(f.ctx, []byte("fresh"), seen))
	got, err = f.s.FindSession(f.ctx, []byte("fresh"))
	require.NoError(t, err)
	assert.Equal(t, seen, got.LastSeen)
	assert.Equal(t, fresh.CreatedAt, got.CreatedAt)
	assert.NoError(t, f.s.TouchSession(f.ctx, []byte("nope"), seen), "touching an ended session is no error")

	require.NoError(t, f.s.DeleteSessionsBefore(f.ctx, f.now.Add(-time.Hour)))
	_, err = f.s.FindSession(f.ctx, []byte("old"))
	assertCode(t, crm.ENOTFOUND, err, "a session idle since before the limit is gone")
	_, err = f.s.FindSession(f.ctx, []byte("fresh"))
	require.NoError(t, err, "a recent session stays")

	require.NoError(t, f.s.DeleteSession(f.ctx, []byte("fresh")))
	_, err = f.s.FindSession(f.ctx, []byte("fresh"))
	assertCode(t, crm.ENOTFOUND, err)
	assert.NoError(t, f.s.DeleteSession(f.ctx, []byte("fresh")), "ending an ended session is no error")
}
