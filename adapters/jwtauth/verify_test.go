package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
)

func TestVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.issue(t)
	c, err := r.iss.Verify(context.Background(), p.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, &jwtauth.Claims{UserID: 7, AuthVersion: 3}, c)

	// The hand-built tokens of the attack tests start from a token that verifies.
	c, err = r.iss.Verify(context.Background(), compact(t, r.header(), r.claims(), signedBy(r.key)))
	require.NoError(t, err)
	assert.Equal(t, &jwtauth.Claims{UserID: 7, AuthVersion: 3}, c)
}

// hmacSigner returns an HS256 signer with secret as the key.
func hmacSigner(secret []byte) func([]byte) []byte {
	return func(input []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(input)
		return m.Sum(nil)
	}
}

// with returns a copy of m with the given entries set, and those whose value is nil removed.
func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyRefusesAttacks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	h, c, sign := r.header(), r.claims(), signedBy(r.key)
	now := r.clock.Now().Unix()
	pub := r.key.Public().(ed25519.PublicKey)
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	jwks, err := r.iss.JWKS()
	require.NoError(t, err)
	var set struct{ Keys []json.RawMessage }
	require.NoError(t, json.Unmarshal(jwks, &set))
	require.Len(t, set.Keys, 1)
	pubJWK := []byte(set.Keys[0])
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	valid := r.issue(t).AccessToken
	vh, vp, vs := segments(t, valid)

	tests := []struct {
		name  string
		token string
	}{
		// No signature.
		{"alg none", compact(t, with(h, "alg", "none"), c, nil)},
		{"alg None", compact(t, with(h, "alg", "None"), c, nil)},
		{"alg NONE", compact(t, with(h, "alg", "NONE"), c, nil)},
		{"alg none with a signature", compact(t, with(h, "alg", "none"), c, sign)},
		{"stripped signature", vh + "." + vp + "."},
		{"two parts", vh + "." + vp},

		// Algorithm confusion: HMAC keyed with what is public.
		{"HS256 keyed with the raw public key", compact(t, with(h, "alg", "HS256"), c, hmacSigner(pub))},
		{"HS256 keyed with the PEM public key", compact(t, with(h, "alg", "HS256"), c, hmacSigner(pubPEM))},
		{"HS256 keyed with the JWK", compact(t, with(h, "alg", "HS256"), c, hmacSigner(pubJWK))},
		{"HMAC signature under an EdDSA header", compact(t, h, c, hmacSigner(pub))},
		{"ES256 header", compact(t, with(h, "alg", "ES256"), c, sign)},

		// Tampering and other keys.
		{"altered payload, old signature", vh + "." + encodeJSON(t, with(decodeSegment(t, vp), "sub", "1")) + "." + vs},
		{"raised ver, old signature", vh + "." + encodeJSON(t, with(decodeSegment(t, vp), "ver", 4)) + "." + vs},
		{"signed by another Ed25519 key", compact(t, h, c, signedBy(otherKey))},
		{"flipped signature bit", vh + "." + vp + "." + flipLast(vs)},

		// Serializations other than compact, and junk.
		{"JSON serialization", jsonSerialization(t, vh, vp, vs)},
		{"flattened JSON serialization with spaces", " " + jsonSerialization(t, vh, vp, vs) + " "},
		{"empty", ""},
		{"junk", "not a token"},
		{"padding", vh + "=." + vp + "." + vs},
		{"too long", vh + "." + vp + strings.Repeat("A", 5000) + "." + vs},

		// Time claims.
		{"exp 0", compact(t, h, with(c, "exp", 0), sign)},
		{"no exp", compact(t, h, with(c, "exp", nil), sign)},
		{"expired", compact(t, h, with(c, "iat", now-1000, "nbf", now-1000, "exp", now-100), sign)},
		{"nbf beyond the skew", compact(t, h, with(c, "nbf", now+31), sign)},
		{"iat beyond the skew", compact(t, h, with(c, "iat", now+31, "exp", now+31+900), sign)},
		{"iat 0", compact(t, h, with(c, "iat", 0), sign)},
		{"no iat", compact(t, h, with(c, "iat", nil), sign)},
		{"exp before iat", compact(t, h, with(c, "iat", now, "exp", now-1), sign)},
		{"lifetime beyond the maximum", compact(t, h, with(c, "exp", now+900+31), sign)},
		{"a day long", compact(t, h, with(c, "exp", now+86400), sign)},
		{"exp as a string", compact(t, h, with(c, "exp", "9999999999"), sign)},

		// Issuer, audience, subject, id.
		{"wrong iss", compact(t, h, with(c, "iss", "someone-else"), sign)},
		{"no iss", compact(t, h, with(c, "iss", nil), sign)},
		{"wrong aud", compact(t, h, with(c, "aud", "another-api"), sign)},
		{"wrong aud list", compact(t, h, with(c, "aud", []string{"another-api", "epiccrm"}), sign)},
		{"no aud", compact(t, h, with(c, "aud", nil), sign)},
		{"no sub", compact(t, h, with(c, "sub", nil), sign)},
		{"sub not a number", compact(t, h, with(c, "sub", "ann"), sign)},
		{"sub with a leading zero", compact(t, h, with(c, "sub", "07"), sign)},
		{"sub 0", compact(t, h, with(c, "sub", "0"), sign)},
		{"sub negative", compact(t, h, with(c, "sub", "-7"), sign)},
		{"no jti", compact(t, h, with(c, "jti", nil), sign)},

		// What kind of token.
		{"no token_use", compact(t, h, with(c, "token_use", nil), sign)},
		{"token_use refresh", compact(t, h, with(c, "token_use", "refresh"), sign)},
		{"token_use ACCESS", compact(t, h, with(c, "token_use", "ACCESS"), sign)},
		{"no ver", compact(t, h, with(c, "ver", nil), sign)},
		{"ver as a string", compact(t, h, with(c, "ver", "3"), sign)},
		{"ver fractional", compact(t, h, with(c, "ver", 3.5), sign)},
		{"ver negative", compact(t, h, with(c, "ver", -1), sign)},
		{"typ JWT", compact(t, with(h, "typ", "JWT"), c, sign)},
		{"no typ", compact(t, with(h, "typ", nil), c, sign)},
		{"a refresh token", r.issue(t).RefreshToken},

		// Header injection: kid, key URLs, critical extensions.
		{"kid path traversal", compact(t, with(h, "kid", "../../../../dev/null"), c, sign)},
		{"kid SQL injection", compact(t, with(h, "kid", "x' UNION SELECT 'secret' --"), c, sign)},
		{"kid URL", compact(t, with(h, "kid", "https://evil.example/key"), c, sign)},
		{"kid command", compact(t, with(h, "kid", "key|rm -rf /"), c, sign)},
		{"kid empty", compact(t, with(h, "kid", ""), c, sign)},
		{"no kid", compact(t, with(h, "kid", nil), c, sign)},
		{"jku", compact(t, with(h, "jku", "https://evil.example/jwks.json"), c, sign)},
		{"embedded jwk", compact(t, with(h, "jwk", json.RawMessage(pubJWK)), c, sign)},
		{"crit", compact(t, with(h, "crit", []string{"exp"}, "exp", now), c, sign)},
		{"b64 false", compact(t, with(h, "b64", false, "crit", []string{"b64"}), c, sign)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			claims, err := r.iss.Verify(ctx, tt.token)
			assert.Nil(t, claims)
			assertUnauthorized(t, err, tt.token)
		})
	}
}

// Tokens that differ from Issue's in a tolerated way still verify.
func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	h, c, sign := r.header(), r.claims(), signedBy(r.key)
	now := r.clock.Now().Unix()
	tests := []struct {
		name  string
		token string
	}{
		{"aud as a string", compact(t, h, with(c, "aud", "epiccrm-api"), sign)},
		{"aud list that includes ours", compact(t, h, with(c, "aud", []string{"other", "epiccrm-api"}), sign)},
		{"typ application/at+jwt", compact(t, with(h, "typ", "application/at+jwt"), c, sign)},
		{"typ in capitals", compact(t, with(h, "typ", "AT+JWT"), c, sign)},
		{"no nbf", compact(t, h, with(c, "nbf", nil), sign)},
		{"nbf inside the skew", compact(t, h, with(c, "nbf", now+29), sign)},
		{"iat inside the skew", compact(t, h, with(c, "iat", now+29, "exp", now+29+900), sign)},
		{"lifetime over the maximum by less than the skew", compact(t, h, with(c, "exp", now+900+29), sign)},
		{"shorter lifetime", compact(t, h, with(c, "exp", now+60), sign)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			claims, err := r.iss.Verify(context.Background(), tt.token)
			require.NoError(t, err)
			assert.Equal(t, &jwtauth.Claims{UserID: 7, AuthVersion: 3}, claims)
		})
	}
}

func TestVerifyClockSkew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		advance time.Duration
		ok      bool
	}{
		{"just issued", 0, true},
		{"a minute before expiry", 14 * time.Minute, true},
		{"expired by less than the skew", 15*time.Minute + 29*time.Second, true},
		{"expired by the skew", 15*time.Minute + 30*time.Second, false},
		{"expired by more than the skew", 15*time.Minute + 31*time.Second, false},
		{"clock 29s behind the issuer", -29 * time.Second, true},
		{"clock 31s behind the issuer", -31 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			token := r.issue(t).AccessToken
			r.clock.Advance(tt.advance)
			claims, err := r.iss.Verify(context.Background(), token)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, int64(7), claims.UserID)
			} else {
				assertUnauthorized(t, err, token)
			}
		})
	}
}

// A token issued by another server, even with the same settings, is refused.
func TestVerifyRefusesAnotherIssuersToken(t *testing.T) {
	t.Parallel()
	a, b := newRig(t), newRig(t)
	token := a.issue(t).AccessToken
	_, err := b.iss.Verify(context.Background(), token)
	assertUnauthorized(t, err, token)
}

// Every refusal says the same thing, so that the answer does not guide an attacker.
func TestVerifyMessageIsGeneric(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	c, sign := r.claims(), signedBy(r.key)
	var messages []string
	for _, token := range []string{
		"junk",
		compact(t, with(r.header(), "alg", "none"), c, nil),
		compact(t, r.header(), with(c, "exp", 0), sign),
		compact(t, r.header(), with(c, "iss", "x"), sign),
	} {
		_, err := r.iss.Verify(context.Background(), token)
		require.Error(t, err)
		messages = append(messages, crm.ErrorMessage(err))
	}
	for _, m := range messages[1:] {
		assert.Equal(t, messages[0], m)
	}
}

func flipLast(s string) string {
	last := s[len(s)-2]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return s[:len(s)-2] + string(repl) + s[len(s)-1:]
}

func jsonSerialization(t *testing.T, protected, payload, signature string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"protected": protected, "payload": payload, "signature": signature})
	require.NoError(t, err)
	return string(b)
}

// TestVerifyRefusesDuplicateMembers signs, with the right key, headers and claims written by
// hand that repeat a member, so that only the repetition is wrong: a reader keeping the last
// value would accept every one of them.
func TestVerifyRefusesDuplicateMembers(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	sign := signedBy(r.key)
	now := r.clock.Now().Unix()
	kid := `"` + r.iss.KeyID() + `"`
	header := `{"alg":"EdDSA","typ":"at+jwt","kid":` + kid + `}`
	// claims writes the claims Issue would, with first before them and extra after them.
	claimsAround := func(first, extra string) string {
		return `{` + first + `"iss":"epiccrm","aud":["epiccrm-api"],"sub":"7","jti":"abc123","iat":` + itoa(now) +
			`,"nbf":` + itoa(now) + `,"exp":` + itoa(now+900) + `,"token_use":"access","ver":3` + extra + `}`
	}
	claims := func(extra string) string { return claimsAround("", extra) }

	// The same bytes without a repetition verify.
	_, err := r.iss.Verify(context.Background(), compactRaw(header, claims(""), sign))
	require.NoError(t, err)
	_, err = r.iss.Verify(context.Background(), compactRaw(header, claims(`,"x":{"a":1,"b":[{"a":2}]}`), sign))
	require.NoError(t, err, "the same member name in different objects is no repetition")

	tests := []struct {
		name, header, claims string
	}{
		{"alg none, then alg EdDSA", `{"alg":"none","alg":"EdDSA","typ":"at+jwt","kid":` + kid + `}`, claims("")},
		{"alg EdDSA twice", `{"alg":"EdDSA","alg":"EdDSA","typ":"at+jwt","kid":` + kid + `}`, claims("")},
		{"alg repeated under an escape", `{"alg":"HS256","\u0061lg":"EdDSA","typ":"at+jwt","kid":` + kid + `}`, claims("")},
		{"kid twice", `{"alg":"EdDSA","typ":"at+jwt","kid":"../../dev/null","kid":` + kid + `}`, claims("")},
		{"typ twice", `{"alg":"EdDSA","typ":"JWT","typ":"at+jwt","kid":` + kid + `}`, claims("")},
		{"sub twice", header, claims(`,"sub":"1"`)},
		{"exp twice", header, claimsAround(`"exp":`+itoa(now+86400)+`,`, "")},
		{"ver twice", header, claims(`,"ver":4`)},
		{"token_use twice", header, claimsAround(`"token_use":"refresh",`, "")},
		{"a repetition in a nested object", header, claims(`,"x":{"a":1,"a":2}`)},
		{"a repetition in an object in an array", header, claims(`,"x":[{"a":1,"a":2}]`)},
		{"two JSON values in the claims", header, claims("") + `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := compactRaw(tt.header, tt.claims, sign)
			claims, err := r.iss.Verify(context.Background(), token)
			assert.Nil(t, claims)
			assertUnauthorized(t, err, token)
		})
	}
}

// compactRaw builds a compact JWS from a header and claims given as JSON text, signed by sign.
func compactRaw(header, claims string, sign func([]byte) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(claims))
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
