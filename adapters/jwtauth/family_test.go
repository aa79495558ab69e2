package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// day and maxAge are the units of the family lifetime tests; maxAge is the default
// Config.RefreshMaxAge.
const (
	day    = 24 * time.Hour
	maxAge = 30 * day
)

// stored returns the stored token behind a refresh token.
func (r *rig) stored(t *testing.T, refresh string) crm.RefreshToken {
	t.Helper()
	tok, ok := r.tokens.get(hashOf(t, refresh))
	require.True(t, ok, "the refresh token is stored")
	return tok
}

// assertLoginTooOld checks that a refresh was refused because its family reached its maximum
// age: EUNAUTHORIZED, no pair, a message that says to log in again, and the family revoked.
func assertLoginTooOld(t *testing.T, r *rig, pair *jwtauth.Pair, err error, refresh, family, age string) {
	t.Helper()
	assert.Nil(t, pair)
	assertUnauthorized(t, err, refresh)
	msg := crm.ErrorMessage(err)
	assert.Contains(t, msg, "maximum age of "+age)
	assert.Contains(t, msg, "log in again")
	assert.True(t, r.tokens.familyRevoked(family), "the family is revoked")
}

// A family refreshed every day works until its maximum age, then is refused, even though its
// last token is a day old and would live 13 more days: the limit does not slide.
func TestRefreshFamilyRefreshedDailyEndsAtItsMaximumAge(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	p := r.issue(t)
	first := r.stored(t, p.RefreshToken)
	assert.Equal(t, start, first.FamilyIssuedAt, "a login starts a family")

	for n := 1; n < 30; n++ {
		r.clock.Advance(day)
		next, _, err := r.iss.Refresh(ctx, p.RefreshToken)
		require.NoError(t, err, "day %d", n)
		got := r.stored(t, next.RefreshToken)
		assert.Equal(t, first.FamilyID, got.FamilyID, "day %d", n)
		assert.Equal(t, start, got.FamilyIssuedAt, "day %d: the successor carries the family's start", n)
		assert.Equal(t, r.clock.Now().Add(14*day), got.ExpiresAt, "day %d: each token still lives 14 days", n)
		p = next
	}

	r.clock.Advance(day)
	last := r.stored(t, p.RefreshToken)
	require.True(t, r.clock.Now().Before(last.ExpiresAt), "the last token itself has not expired")
	pair, u, err := r.iss.Refresh(ctx, p.RefreshToken)
	assert.Nil(t, u)
	assertLoginTooOld(t, r, pair, err, p.RefreshToken, first.FamilyID, "30 days")

	other := r.issue(t)
	_, _, err = r.iss.Refresh(ctx, other.RefreshToken)
	assert.NoError(t, err, "a new login starts a new family with its own lifetime")
}

// The limit is the family's start plus the maximum age, to the microsecond, whenever the last
// refresh was.
func TestRefreshFamilyMaximumAgeBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		at   time.Duration // since the login
		ok   bool
	}{
		{"a microsecond before the limit", maxAge - time.Microsecond, true},
		{"at the limit", maxAge, false},
		{"an hour after the limit", maxAge + time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			ctx := context.Background()
			p := r.issue(t)
			family := r.stored(t, p.RefreshToken).FamilyID
			for range 2 { // refreshed at 10 and 20 days, before each token expires
				r.clock.Advance(10 * day)
				var err error
				p, _, err = r.iss.Refresh(ctx, p.RefreshToken)
				require.NoError(t, err)
			}

			r.clock.Advance(tt.at - 20*day)
			pair, _, err := r.iss.Refresh(ctx, p.RefreshToken)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, start, r.stored(t, pair.RefreshToken).FamilyIssuedAt)
				return
			}
			assertLoginTooOld(t, r, pair, err, p.RefreshToken, family, "30 days")
		})
	}
}

// Config.RefreshMaxAge sets the limit, and the refusal names it.
func TestRefreshMaxAgeFromConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		maxAge time.Duration
		want   string
	}{
		{"one day", day, "1 day"},
		{"whole days", 7 * day, "7 days"},
		{"not whole days", 36 * time.Hour, "36h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, key, err := ed25519.GenerateKey(rand.Reader)
			require.NoError(t, err)
			r := &rig{tokens: newMemTokens(), users: &fakeUsers{}, clock: testclock.New(start), key: key,
				user: crm.User{ID: 7, IsActive: true, AuthVersion: 3}}
			r.users.put(r.user)
			r.iss, err = jwtauth.New(jwtauth.Config{RefreshTTL: tt.maxAge, RefreshMaxAge: tt.maxAge, Now: r.clock.Now},
				key, r.tokens, r.users)
			require.NoError(t, err, "a maximum age equal to the refresh token lifetime is allowed")
			ctx := context.Background()
			p := r.issue(t)
			family := r.stored(t, p.RefreshToken).FamilyID

			r.clock.Advance(tt.maxAge - time.Microsecond)
			p, _, err = r.iss.Refresh(ctx, p.RefreshToken)
			require.NoError(t, err, "just before the limit")
			r.clock.Advance(time.Microsecond)
			pair, _, err := r.iss.Refresh(ctx, p.RefreshToken)
			assertLoginTooOld(t, r, pair, err, p.RefreshToken, family, tt.want)
		})
	}
}

func TestNewRefusesAMaximumAgeShorterThanTheRefreshLifetime(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  jwtauth.Config
	}{
		{"shorter than the default lifetime", jwtauth.Config{RefreshMaxAge: 13 * day}},
		{"shorter than a set lifetime", jwtauth.Config{RefreshTTL: 2 * time.Hour, RefreshMaxAge: time.Hour}},
		{"a lifetime over the default maximum age", jwtauth.Config{RefreshTTL: 31 * day}},
		{"negative", jwtauth.Config{RefreshMaxAge: -maxAge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iss, err := jwtauth.New(tt.cfg, key, newMemTokens(), &fakeUsers{})
			assert.Nil(t, iss)
			assert.ErrorContains(t, err, "maximum age")
			assert.ErrorContains(t, err, "raise RefreshMaxAge or lower RefreshTTL")
		})
	}
	iss, err := jwtauth.New(jwtauth.Config{RefreshTTL: 60 * day, RefreshMaxAge: 90 * day}, key, newMemTokens(), &fakeUsers{})
	require.NoError(t, err, "a longer lifetime with a longer maximum age")
	assert.NotNil(t, iss)
}
