package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// start is the fixed time the tests' clocks start at.
var start = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// rig is an Issuer with its fakes, its key and its clock.
type rig struct {
	iss    *jwtauth.Issuer
	tokens *memTokens
	users  *fakeUsers
	clock  *testclock.Clock
	key    ed25519.PrivateKey
	user   crm.User
}

// newRig returns an Issuer with a fresh key, an empty store, a fixed clock and one active
// user, id 7 at AuthVersion 3.
func newRig(t *testing.T) *rig {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	r := &rig{tokens: newMemTokens(), users: &fakeUsers{}, clock: testclock.New(start), key: key,
		user: crm.User{ID: 7, Username: "ann", Role: crm.RoleSales, IsActive: true, AuthVersion: 3}}
	r.users.put(r.user)
	r.iss, err = jwtauth.New(jwtauth.Config{Now: r.clock.Now}, key, r.tokens, r.users)
	require.NoError(t, err)
	return r
}

// issue logs the rig's user in.
func (r *rig) issue(t *testing.T) *jwtauth.Pair {
	t.Helper()
	p, err := r.iss.Issue(context.Background(), &r.user)
	require.NoError(t, err)
	return p
}

// claims are the claims Issue would write at the rig's current time, as a map that a test
// changes before signing it by hand.
func (r *rig) claims() map[string]any {
	now := r.clock.Now().Unix()
	return map[string]any{
		"iss": "epiccrm", "aud": []string{"epiccrm-api"}, "sub": "7", "jti": "abc123",
		"iat": now, "nbf": now, "exp": now + 900, "token_use": "access", "ver": 3,
	}
}

// header is the header Issue writes, as a map that a test changes.
func (r *rig) header() map[string]any {
	return map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": r.iss.KeyID()}
}

// b64 is base64url without padding, the JWS encoding.
var b64 = base64.RawURLEncoding

// encodeJSON returns the base64url of the JSON of v.
func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b64.EncodeToString(b)
}

// compact builds a compact JWS from a header and claims, signed by sign (nil for no signature).
func compact(t *testing.T, header, claims map[string]any, sign func(input []byte) []byte) string {
	t.Helper()
	input := encodeJSON(t, header) + "." + encodeJSON(t, claims)
	sig := ""
	if sign != nil {
		sig = b64.EncodeToString(sign([]byte(input)))
	}
	return input + "." + sig
}

// signedBy returns a signer with an Ed25519 key.
func signedBy(key ed25519.PrivateKey) func([]byte) []byte {
	return func(input []byte) []byte { return ed25519.Sign(key, input) }
}

// segments splits a compact JWS into its three parts.
func segments(t *testing.T, token string) (string, string, string) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	return parts[0], parts[1], parts[2]
}

// decodeSegment decodes one base64url JSON part of a JWS into a map.
func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := b64.DecodeString(seg)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// assertUnauthorized checks that err is EUNAUTHORIZED with a message that repeats nothing of
// the refused token.
func assertUnauthorized(t *testing.T, err error, token string) {
	t.Helper()
	if !assert.Error(t, err) {
		return
	}
	assert.Equal(t, crm.EUNAUTHORIZED, crm.ErrorCode(err), "error: %v", err)
	msg := crm.ErrorMessage(err)
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 {
			assert.NotContains(t, msg, part)
		}
	}
}
