package jwtauth_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// hashOf is the hash under which the store keeps a refresh token: SHA-256 of its 32 bytes.
func hashOf(t *testing.T, refresh string) []byte {
	t.Helper()
	raw, err := b64.DecodeString(refresh)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	sum := sha256.Sum256(raw)
	return sum[:]
}

func TestRefreshTokensAreStoredAsHashes(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	assert.Len(t, p.RefreshToken, 43)
	stored, ok := r.tokens.get(hashOf(t, p.RefreshToken))
	require.True(t, ok, "the store holds the SHA-256 of the token")
	assert.Equal(t, int64(7), stored.UserID)
	assert.Equal(t, int64(3), stored.AuthVersion)
	assert.Equal(t, start, stored.IssuedAt)
	assert.Equal(t, start.Add(14*24*time.Hour), stored.ExpiresAt)
	assert.NotEmpty(t, stored.FamilyID)
	assert.NotContains(t, string(stored.Hash), p.RefreshToken)
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	first := r.issue(t)
	r.clock.Advance(10 * time.Minute)

	second, u, err := r.iss.Refresh(ctx, first.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, int64(7), u.ID)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	claims, err := r.iss.Verify(ctx, second.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, int64(3), claims.AuthVersion)

	a, _ := r.tokens.get(hashOf(t, first.RefreshToken))
	b, _ := r.tokens.get(hashOf(t, second.RefreshToken))
	assert.Equal(t, a.FamilyID, b.FamilyID, "a refresh stays in its family")
	assert.Equal(t, start.Add(10*time.Minute+14*24*time.Hour), b.ExpiresAt, "each refresh starts a new period")

	_, _, err = r.iss.Refresh(ctx, first.RefreshToken)
	assertUnauthorized(t, err, first.RefreshToken)

	third, _, err := r.iss.Refresh(ctx, second.RefreshToken)
	if assert.Error(t, err, "reusing the first token revoked its successor too") {
		assert.Nil(t, third)
		assertUnauthorized(t, err, second.RefreshToken)
	}
}

func TestRefreshReuseRevokesOnlyItsFamily(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	phone, laptop := r.issue(t), r.issue(t)

	next, _, err := r.iss.Refresh(ctx, phone.RefreshToken)
	require.NoError(t, err)
	_, _, err = r.iss.Refresh(ctx, phone.RefreshToken) // a thief replays the stolen token
	assertUnauthorized(t, err, phone.RefreshToken)
	_, _, err = r.iss.Refresh(ctx, next.RefreshToken)
	assertUnauthorized(t, err, next.RefreshToken)

	fresh, _, err := r.iss.Refresh(ctx, laptop.RefreshToken)
	require.NoError(t, err, "another login's family is untouched")
	_, _, err = r.iss.Refresh(ctx, fresh.RefreshToken)
	require.NoError(t, err)
}

func TestRefreshExpires(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	r.clock.Advance(14 * 24 * time.Hour)
	_, _, err := r.iss.Refresh(context.Background(), p.RefreshToken)
	assertUnauthorized(t, err, p.RefreshToken)
}

func TestRefreshRefusesChangedUsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*crm.User)
	}{
		{"deactivated", func(u *crm.User) { u.IsActive = false }},
		{"password or role changed", func(u *crm.User) { u.AuthVersion++ }},
		{"deleted", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			ctx := context.Background()
			p := r.issue(t)
			family := func() string {
				tok, _ := r.tokens.get(hashOf(t, p.RefreshToken))
				return tok.FamilyID
			}()
			if tt.change != nil {
				r.users.change(7, tt.change)
			} else {
				r.users.remove(7)
			}
			pair, u, err := r.iss.Refresh(ctx, p.RefreshToken)
			assert.Nil(t, pair)
			assert.Nil(t, u)
			assertUnauthorized(t, err, p.RefreshToken)
			assert.True(t, r.tokens.familyRevoked(family), "the family is revoked")
		})
	}
}

func TestRefreshReportsStoreErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	r.tokens.setFailure(crm.Errorf(crm.EUNAVAILABLE, "the database is down"))
	_, _, err := r.iss.Refresh(context.Background(), p.RefreshToken)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "an outage is not a bad token")
}

// Something that cannot be a refresh token is refused without asking the store.
func TestRefreshRefusesNonTokens(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	good := p.RefreshToken
	for _, s := range []string{
		"",
		"refresh",
		p.AccessToken,
		good[:42],
		good + "A",
		good + "=",
		strings.Repeat("+", 43),
		strings.Repeat("/", 43),
		strings.Repeat("é", 43)[:43],
		good[:42] + "B", // a last character with non-zero trailing bits
		good[:20] + "." + good[21:],
	} {
		_, _, err := r.iss.Refresh(context.Background(), s)
		assertUnauthorized(t, err, s)
		assertUnauthorized(t, r.iss.Logout(context.Background(), r.user.ID, s), s)
	}
	assert.Equal(t, 0, r.tokens.lookupCount())
}

func TestLogout(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	first := r.issue(t)
	second, _, err := r.iss.Refresh(ctx, first.RefreshToken)
	require.NoError(t, err)
	other := r.issue(t)

	require.NoError(t, r.iss.Logout(ctx, r.user.ID, first.RefreshToken), "logging out with an older token of the family")
	_, _, err = r.iss.Refresh(ctx, second.RefreshToken)
	assertUnauthorized(t, err, second.RefreshToken)

	_, _, err = r.iss.Refresh(ctx, other.RefreshToken)
	assert.NoError(t, err, "other sessions go on")

	unknown := b64.EncodeToString(make([]byte, 32))
	assert.NoError(t, r.iss.Logout(ctx, r.user.ID, unknown), "an unknown token is no error")
}

// Logging out with another user's refresh token is no error and leaves that token working.
func TestLogoutLeavesOtherUsersTokens(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	mallory := crm.User{ID: 8, Username: "mallory", Role: crm.RoleSales, IsActive: true, AuthVersion: 1}
	r.users.put(mallory)
	victim := r.issue(t)

	require.NoError(t, r.iss.Logout(ctx, mallory.ID, victim.RefreshToken), "the answer is that of an unknown token")
	_, u, err := r.iss.Refresh(ctx, victim.RefreshToken)
	require.NoError(t, err, "the victim's token still works")
	assert.Equal(t, r.user.ID, u.ID)
}

// Of several concurrent refreshes with one token, exactly one wins.
func TestRefreshConcurrently(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := r.iss.Refresh(context.Background(), p.RefreshToken); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
}
