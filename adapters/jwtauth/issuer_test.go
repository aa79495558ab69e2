package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
)

func TestIssueWritesTheAccessTokenClaims(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	assert.Equal(t, "Bearer", p.TokenType)
	assert.Equal(t, int64(900), p.ExpiresIn)
	assert.NotEmpty(t, p.RefreshToken)

	h, payload, _ := segments(t, p.AccessToken)
	assert.Equal(t, map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": r.iss.KeyID()}, decodeSegment(t, h))
	c := decodeSegment(t, payload)
	now := float64(start.Unix())
	assert.Equal(t, "epiccrm", c["iss"])
	assert.Contains(t, []any{"epiccrm-api", []any{"epiccrm-api"}}, c["aud"])
	assert.Equal(t, "7", c["sub"])
	assert.Equal(t, now, c["iat"])
	assert.Equal(t, now, c["nbf"])
	assert.Equal(t, now+900, c["exp"])
	assert.Equal(t, "access", c["token_use"])
	assert.Equal(t, float64(3), c["ver"])
	assert.NotEmpty(t, c["jti"])

	other := r.issue(t)
	_, otherPayload, _ := segments(t, other.AccessToken)
	assert.NotEqual(t, c["jti"], decodeSegment(t, otherPayload)["jti"], "each token has its own jti")
	assert.NotEqual(t, p.RefreshToken, other.RefreshToken)
}

func TestIssueUsesConfig(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	users := &fakeUsers{}
	cfg := jwtauth.Config{Issuer: "crm.example", Audience: "crm-api", AccessTTL: 5 * time.Minute,
		RefreshTTL: time.Hour, Now: func() time.Time { return start }}
	iss, err := jwtauth.New(cfg, key, newMemTokens(), users)
	require.NoError(t, err)
	u := &crm.User{ID: 12, IsActive: true, AuthVersion: 1}
	p, err := iss.Issue(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, int64(300), p.ExpiresIn)
	_, payload, _ := segments(t, p.AccessToken)
	c := decodeSegment(t, payload)
	assert.Equal(t, "crm.example", c["iss"])
	assert.Equal(t, float64(start.Unix()+300), c["exp"])
	claims, err := iss.Verify(context.Background(), p.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, int64(12), claims.UserID)
}

func TestIssueRefusesInactiveUsers(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	u := r.user
	u.IsActive = false
	_, err := r.iss.Issue(context.Background(), &u)
	assert.Equal(t, crm.EUNAUTHORIZED, crm.ErrorCode(err))
	_, err = r.iss.Issue(context.Background(), nil)
	assert.Equal(t, crm.EINTERNAL, crm.ErrorCode(err))
}

func TestIssueReportsStoreErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.tokens.setFailure(crm.Errorf(crm.EUNAVAILABLE, "the database is down"))
	_, err := r.iss.Issue(context.Background(), &r.user)
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err))
}

func TestPairJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(jwtauth.Pair{AccessToken: "a", RefreshToken: "r", TokenType: "Bearer", ExpiresIn: 900})
	require.NoError(t, err)
	assert.JSONEq(t, `{"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":900}`, string(b))
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b, err := r.iss.JWKS()
	require.NoError(t, err)

	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(b, &set))
	require.Len(t, set.Keys, 1)
	k := set.Keys[0]
	pub := r.key.Public().(ed25519.PublicKey)
	assert.Equal(t, map[string]any{
		"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub),
		"kid": r.iss.KeyID(), "alg": "EdDSA", "use": "sig",
	}, k, "the public key and nothing else: no private part d")

	// A client can verify an access token with the published set alone.
	keys, err := jwk.Parse(b)
	require.NoError(t, err)
	tok, err := jwt.ParseString(r.issue(t).AccessToken, jwt.WithKeySet(keys), jwt.WithClock(jwt.ClockFunc(r.clock.Now)))
	require.NoError(t, err)
	assert.Equal(t, "7", tok.Subject())

	// The kid is the RFC 7638 thumbprint, stable for a key.
	again, err := jwtauth.New(jwtauth.Config{}, r.key, newMemTokens(), &fakeUsers{})
	require.NoError(t, err)
	assert.Equal(t, r.iss.KeyID(), again.KeyID())
	assert.Len(t, r.iss.KeyID(), 43)
}

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	tokens, users := newMemTokens(), &fakeUsers{}
	tests := []struct {
		name   string
		cfg    jwtauth.Config
		key    ed25519.PrivateKey
		tokens crm.RefreshTokenStore
		users  jwtauth.Users
		want   string
	}{
		{"access tokens over an hour", jwtauth.Config{AccessTTL: 61 * time.Minute}, key, tokens, users, "access token lifetime"},
		{"negative access lifetime", jwtauth.Config{AccessTTL: -time.Minute}, key, tokens, users, "access token lifetime"},
		{"fractional seconds", jwtauth.Config{AccessTTL: 1500 * time.Millisecond}, key, tokens, users, "whole number of seconds"},
		{"refresh shorter than access", jwtauth.Config{RefreshTTL: time.Minute}, key, tokens, users, "refresh token lifetime"},
		{"negative skew", jwtauth.Config{Skew: -time.Second}, key, tokens, users, "clock skew"},
		{"huge skew", jwtauth.Config{Skew: time.Hour}, key, tokens, users, "clock skew"},
		{"short key", jwtauth.Config{}, key[:32], tokens, users, "Ed25519 private key"},
		{"no key", jwtauth.Config{}, nil, tokens, users, "Ed25519 private key"},
		{"no store", jwtauth.Config{}, key, nil, users, "refresh token store"},
		{"no users", jwtauth.Config{}, key, tokens, nil, "user lookup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iss, err := jwtauth.New(tt.cfg, tt.key, tt.tokens, tt.users)
			assert.Nil(t, iss)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	iss, err := jwtauth.New(jwtauth.Config{AccessTTL: time.Hour}, key, tokens, users)
	require.NoError(t, err, "an hour is the longest allowed")
	assert.NotNil(t, iss)
}
