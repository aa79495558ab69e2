package jwtauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/epicevents/epiccrm/crm"
)

// Users finds the user a token was issued to, and refuses one whose account was deactivated or
// whose credentials or rights changed since (their AuthVersion moved on) with EUNAUTHORIZED.
// *crm.Service implements it.
type Users interface {
	Actor(ctx context.Context, id, authVersion int64) (*crm.User, error)
}

var _ Users = (*crm.Service)(nil)

// Pair is the answer to a login or a refresh: what POST /auth/login and /auth/refresh return.
type Pair struct {
	// AccessToken is the signed JWT to send as "Authorization: Bearer <token>".
	AccessToken string `json:"access_token"`
	// RefreshToken is the opaque single-use token that obtains the next pair.
	RefreshToken string `json:"refresh_token"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// ExpiresIn is the lifetime of the access token in seconds.
	ExpiresIn int64 `json:"expires_in"`
}

// Access token header and claim values.
const (
	accessTokenType = "at+jwt" // RFC 9068 explicit typing, so no other JWT passes for an access token
	claimTokenUse   = "token_use"
	claimVersion    = "ver"
	tokenUseAccess  = "access"
)

// Issuer issues, verifies and refreshes the tokens of the REST API. It is safe for concurrent
// use.
type Issuer struct {
	cfg    Config
	keys   keySource
	tokens crm.RefreshTokenStore
	users  Users
}

// New returns an Issuer that signs with key and keeps refresh tokens in tokens. It does no I/O.
// It fails when a Config field is out of range, the key is not a whole Ed25519 private key, or
// tokens or users is nil.
func New(cfg Config, key ed25519.PrivateKey, tokens crm.RefreshTokenStore, users Users) (*Issuer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("jwtauth: the signing key must be an Ed25519 private key of %d bytes, not %d", ed25519.PrivateKeySize, len(key))
	}
	if tokens == nil || users == nil {
		return nil, errors.New("jwtauth: New needs a refresh token store and a user lookup")
	}
	kid, _, err := keyID(key)
	if err != nil {
		return nil, err
	}
	st, err := newKeyState(kid, key, nil, time.Time{})
	if err != nil {
		return nil, err
	}
	return &Issuer{cfg: cfg, keys: fixedKey{st}, tokens: tokens, users: users}, nil
}

// NewWithKeySet returns an Issuer that signs with the current key of keys and verifies with
// each of its keys, following their rotations, and keeps refresh tokens in tokens. It fails
// when a Config field is out of range or an argument is nil.
func NewWithKeySet(cfg Config, keys *KeySet, tokens crm.RefreshTokenStore, users Users) (*Issuer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if keys == nil || tokens == nil || users == nil {
		return nil, errors.New("jwtauth: NewWithKeySet needs a key set, a refresh token store and a user lookup")
	}
	return &Issuer{cfg: cfg, keys: keys, tokens: tokens, users: users}, nil
}

// KeyID returns the kid of the key that signs new tokens: the base64url RFC 7638 SHA-256
// thumbprint of its public key.
func (i *Issuer) KeyID() string { return i.keys.state().kid }

// JWKS returns the JSON JWK set that GET /.well-known/jwks.json publishes: the public key of
// every key that verifies tokens (the signing key first, then, with a KeySet, the recently
// retired ones) with its kid, alg EdDSA and use sig, and no private part.
func (i *Issuer) JWKS() ([]byte, error) { return bytes.Clone(i.keys.state().jwks), nil }

// Issue returns a new pair for u, who has just logged in: an access token and the first
// refresh token of a new family, whose absolute lifetime (Config.RefreshMaxAge) starts now. It
// returns EUNAUTHORIZED for a deactivated user, and the store's error if the refresh token
// cannot be saved.
func (i *Issuer) Issue(ctx context.Context, u *crm.User) (*Pair, error) {
	if u == nil || u.ID <= 0 {
		return nil, crm.Internal(errors.New("jwtauth: Issue needs a stored user"))
	}
	if !u.IsActive {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "the account is deactivated")
	}
	family, err := randomID(16)
	if err != nil {
		return nil, crm.Internal(err)
	}
	now := i.cfg.Now().UTC()
	return i.issue(ctx, u, family, now, now)
}

// issue signs an access token for u issued at now, and saves a new refresh token in family,
// which began at began.
func (i *Issuer) issue(ctx context.Context, u *crm.User, family string, began, now time.Time) (*Pair, error) {
	access, err := i.sign(u, now)
	if err != nil {
		return nil, crm.Internal(err)
	}
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return nil, crm.Internal(err)
	}
	stored := now.Truncate(time.Microsecond)
	err = i.tokens.SaveRefreshToken(ctx, &crm.RefreshToken{
		Hash: hash, FamilyID: family, UserID: u.ID, AuthVersion: u.AuthVersion,
		IssuedAt: stored, ExpiresAt: stored.Add(i.cfg.RefreshTTL),
		FamilyIssuedAt: began.UTC().Truncate(time.Microsecond),
	})
	if err != nil {
		return nil, err
	}
	return &Pair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int64(i.cfg.AccessTTL / time.Second)}, nil
}

// sign returns a signed access token for u issued at now.
func (i *Issuer) sign(u *crm.User, now time.Time) (string, error) {
	jti, err := randomID(16)
	if err != nil {
		return "", err
	}
	now = now.Truncate(time.Second)
	tok, err := jwt.NewBuilder().
		Issuer(i.cfg.Issuer).
		Audience([]string{i.cfg.Audience}).
		Subject(strconv.FormatInt(u.ID, 10)).
		IssuedAt(now).
		NotBefore(now).
		Expiration(now.Add(i.cfg.AccessTTL)).
		JwtID(jti).
		Claim(claimTokenUse, tokenUseAccess).
		Claim(claimVersion, u.AuthVersion).
		Build()
	if err != nil {
		return "", fmt.Errorf("jwtauth: cannot build an access token: %w", err)
	}
	keys := i.keys.state()
	hdrs := jws.NewHeaders()
	if err := hdrs.Set(jws.KeyIDKey, keys.kid); err != nil {
		return "", fmt.Errorf("jwtauth: cannot set the kid header: %w", err)
	}
	if err := hdrs.Set(jws.TypeKey, accessTokenType); err != nil {
		return "", fmt.Errorf("jwtauth: cannot set the typ header: %w", err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.EdDSA, keys.key, jws.WithProtectedHeaders(hdrs)))
	if err != nil {
		return "", fmt.Errorf("jwtauth: cannot sign an access token: %w", err)
	}
	return string(signed), nil
}

// randomID returns n random bytes in base64url, for a jti or a token family id.
func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("jwtauth: cannot read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
