package jwtauth_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// FuzzVerifyMutatedToken issues a valid access token, changes it by replacing cut bytes at
// pos with insert (a flip, an insertion, a deletion or a splice), and checks that Verify
// refuses every token that is not byte for byte the one issued, with the one generic
// EUNAUTHORIZED error, and accepts the unchanged one with its claims. A token is not malleable:
// no other spelling of it (different base64 padding bits, changed JSON, a re-encoded
// signature) passes for it.
func FuzzVerifyMutatedToken(f *testing.F) {
	// Flips in the header, payload and signature, the last character of each part (whose
	// spare base64 bits a lax decoder ignores), deletions, insertions and splices.
	f.Add(uint16(0), uint8(1), []byte("f"))
	f.Add(uint16(10), uint8(1), []byte("A"))
	f.Add(uint16(200), uint8(1), []byte("B"))
	f.Add(uint16(0xfffe), uint8(1), []byte("B"))
	f.Add(uint16(0xfffe), uint8(1), []byte("C"))
	f.Add(uint16(0xffff), uint8(0), []byte("="))
	f.Add(uint16(0xffff), uint8(0), []byte(".x"))
	f.Add(uint16(5), uint8(0), []byte(" "))
	f.Add(uint16(5), uint8(3), []byte{})
	f.Add(uint16(0), uint8(0), []byte("Bearer "))
	f.Add(uint16(300), uint8(86), []byte{})
	f.Add(uint16(0), uint8(0), []byte{})

	_, key, err := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	require.NoError(f, err)
	clock := testclock.New(start)
	users := &fakeUsers{}
	user := crm.User{ID: 7, Username: "ann", Role: crm.RoleSales, IsActive: true, AuthVersion: 3}
	users.put(user)
	iss, err := jwtauth.New(jwtauth.Config{Now: clock.Now}, key, newMemTokens(), users)
	require.NoError(f, err)
	pair, err := iss.Issue(context.Background(), &user)
	require.NoError(f, err)
	valid := pair.AccessToken
	c, err := iss.Verify(context.Background(), valid)
	require.NoError(f, err)
	require.Equal(f, &jwtauth.Claims{UserID: 7, AuthVersion: 3}, c)

	f.Fuzz(func(t *testing.T, pos uint16, cut uint8, insert []byte) {
		// pos counts from the end when it is past the token, so that the fuzzer reaches the
		// last bytes (the signature's spare bits) without knowing the token's length.
		p := int(pos)
		if p > len(valid) {
			p = len(valid) - int(^pos)%(len(valid)+1)
		}
		end := min(p+int(cut), len(valid))
		forged := valid[:p] + string(insert) + valid[end:]
		claims, err := iss.Verify(context.Background(), forged)
		if forged == valid {
			require.NoError(t, err)
			assert.Equal(t, &jwtauth.Claims{UserID: 7, AuthVersion: 3}, claims)
			return
		}
		require.Error(t, err, "a changed token is accepted: %q", forged)
		assert.Nil(t, claims)
		assert.Equal(t, crm.EUNAUTHORIZED, crm.ErrorCode(err))
		assert.Equal(t, "the access token is invalid or has expired", crm.ErrorMessage(err))
	})
}

// TestVerifyRefusesOtherSpellingsOfAToken changes the last character of each part of a valid
// token to every other character that a lax base64 decoder reads as the same bytes (only the
// spare low bits differ): each such token is refused, so a token has one spelling only. Found
// by FuzzVerifyMutatedToken: jwx decodes the payload and signature laxly, and verifies the
// header it re-encoded.
func TestVerifyRefusesOtherSpellingsOfAToken(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	valid := r.issue(t).AccessToken
	parts := strings.Split(valid, ".")
	require.Len(t, parts, 3)
	tried := 0
	for i, part := range parts {
		want, err := b64.DecodeString(part)
		require.NoError(t, err)
		for _, ch := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
			other := part[:len(part)-1] + string(ch)
			got, err := base64.RawURLEncoding.DecodeString(other)
			if other == part || err != nil || !bytes.Equal(got, want) {
				continue
			}
			tried++
			forged := append(slices.Clone(parts[:i]), append([]string{other}, parts[i+1:]...)...)
			_, err = r.iss.Verify(context.Background(), strings.Join(forged, "."))
			assert.Error(t, err, "part %d ending in %q instead of %q is accepted", i, ch, part[len(part)-1:])
		}
	}
	require.Positive(t, tried, "no part of the token has spare bits: the test tried nothing")

	// jwx signs over the header without the whitespace around it, so whitespace there would
	// be another spelling too.
	hdr, err := b64.DecodeString(parts[0])
	require.NoError(t, err)
	for _, ws := range []string{" ", "\t", "\n", "\r"} {
		for _, h := range []string{ws + string(hdr), string(hdr) + ws} {
			_, err := r.iss.Verify(context.Background(), b64.EncodeToString([]byte(h))+"."+parts[1]+"."+parts[2])
			assert.Error(t, err, "the header %q is accepted", h)
		}
	}
}
