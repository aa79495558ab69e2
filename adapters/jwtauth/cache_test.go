package jwtauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
)

func TestVerifyCacheServesAVerifiedTokenUntilItExpires(t *testing.T) {
	r := newRig(t)
	c := jwtauth.NewVerifyCache(r.iss, 0)
	tok := r.issue(t).AccessToken

	for range 3 {
		claims, err := c.Verify(context.Background(), tok)
		require.NoError(t, err)
		assert.Equal(t, jwtauth.Claims{UserID: 7, AuthVersion: 3}, *claims)
	}
	assert.Equal(t, 1, c.Len(), "a token is cached once, however often it is used")

	// Past exp the cached entry is not served: the token is verified again, and refused.
	r.clock.Advance(15*time.Minute + jwtauth.DefaultSkew + time.Second)
	_, err := c.Verify(context.Background(), tok)
	assertUnauthorized(t, err, tok)
	assert.Equal(t, 0, c.Len(), "an expired token leaves the cache")
}

func TestVerifyCacheChecksExpiryOnEachUseWithoutTheSkew(t *testing.T) {
	r := newRig(t)
	c := jwtauth.NewVerifyCache(r.iss, 0)
	tok := r.issue(t).AccessToken
	_, err := c.Verify(context.Background(), tok)
	require.NoError(t, err)

	// Just past exp, within the skew: the cache no longer answers, and Verify, which
	// tolerates the skew, decides (and still accepts).
	r.clock.Advance(15*time.Minute + time.Second)
	_, err = c.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, 0, c.Len(), "a token past its exp is never cached again")
}

func TestVerifyCacheDoesNotCacheRefusedTokens(t *testing.T) {
	r := newRig(t)
	c := jwtauth.NewVerifyCache(r.iss, 0)
	good := r.issue(t).AccessToken
	h, p, _ := segments(t, good)
	forged := h + "." + p + "." + b64.EncodeToString(make([]byte, 64))
	for range 2 {
		_, err := c.Verify(context.Background(), forged)
		assertUnauthorized(t, err, forged)
	}
	assert.Equal(t, 0, c.Len())
}

func TestVerifyCacheIsBounded(t *testing.T) {
	r := newRig(t)
	c := jwtauth.NewVerifyCache(r.iss, 2)
	var toks []string
	for range 3 {
		toks = append(toks, r.issue(t).AccessToken)
		r.clock.Advance(time.Second)
	}
	for _, tok := range toks {
		_, err := c.Verify(context.Background(), tok)
		require.NoError(t, err)
	}
	assert.Equal(t, 2, c.Len())
	// The least recently used token was dropped, yet still verifies (in full).
	_, err := c.Verify(context.Background(), toks[0])
	require.NoError(t, err)
	assert.Equal(t, 2, c.Len())

	c.Purge()
	assert.Equal(t, 0, c.Len())
}

func TestNewVerifyCacheRefusesANegativeSize(t *testing.T) {
	r := newRig(t)
	assert.Panics(t, func() { jwtauth.NewVerifyCache(r.iss, -1) })
	assert.Panics(t, func() { jwtauth.NewVerifyCache(nil, 0) })
}

// BenchmarkVerify compares a full verification with a cached one.
func BenchmarkVerify(b *testing.B) {
	r := newRig(&testing.T{})
	tok := r.issue(&testing.T{}).AccessToken
	b.Run("full", func(b *testing.B) {
		for range b.N {
			if _, err := r.iss.Verify(context.Background(), tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		c := jwtauth.NewVerifyCache(r.iss, 0)
		for range b.N {
			if _, err := c.Verify(context.Background(), tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
