package jwtauth

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// DefaultCacheSize is the number of verified access tokens a VerifyCache keeps when
// NewVerifyCache is given 0.
const DefaultCacheSize = 10_000

// VerifyCache remembers the access tokens an Issuer has verified, so that a token sent again
// is not checked again: the Ed25519 signature and the JSON of the claims are checked once per
// token, and each later use only costs a SHA-256 of the token and a look-up. Expiry is still
// checked on every use (a token is served from the cache only while the clock is before its
// exp; past it, Verify runs in full and refuses it). The cache keeps at most its size of tokens,
// dropping the least recently used one; it holds the SHA-256 of each token, never the token.
//
// Only verification is cached: the caller still checks the claims against the user's current
// AuthVersion (crm.Service.Actor) on every request, so revocation stays immediate. It is safe
// for concurrent use.
type VerifyCache struct {
	iss  *Issuer
	size int

	mu    sync.Mutex
	byKey map[[sha256.Size]byte]*list.Element
	order *list.List // of *cacheEntry, most recently used first
}

// cacheEntry is one verified token: its hash, its claims and when it expires.
type cacheEntry struct {
	key    [sha256.Size]byte
	claims Claims
	exp    time.Time
}

// NewVerifyCache returns a cache of the tokens iss verifies, holding at most size tokens
// (DefaultCacheSize when size is 0; a negative size is refused by a panic, being a programming
// error).
func NewVerifyCache(iss *Issuer, size int) *VerifyCache {
	if iss == nil || size < 0 {
		panic("jwtauth: NewVerifyCache needs an Issuer and a size of at least 0")
	}
	if size == 0 {
		size = DefaultCacheSize
	}
	return &VerifyCache{iss: iss, size: size, byKey: make(map[[sha256.Size]byte]*list.Element), order: list.New()}
}

// Verify returns the claims of an access token, like Issuer.Verify, from the cache when the
// token was verified before and has not expired yet.
func (c *VerifyCache) Verify(ctx context.Context, token string) (*Claims, error) {
	key := sha256.Sum256([]byte(token))
	now := c.iss.cfg.Now()
	c.mu.Lock()
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*cacheEntry)
		if now.Before(e.exp) {
			c.order.MoveToFront(el)
			claims := e.claims
			c.mu.Unlock()
			return &claims, nil
		}
		c.remove(el)
	}
	c.mu.Unlock()

	claims, err := c.iss.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	exp, ok := expiryOf(token)
	if !ok || !now.Before(exp) { // accepted within the clock skew: verified in full on each use
		return claims, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok { // verified concurrently by another request
		c.order.MoveToFront(el)
		return claims, nil
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, claims: *claims, exp: exp})
	for c.order.Len() > c.size {
		c.remove(c.order.Back())
	}
	return claims, nil
}

// Len returns the number of tokens in the cache.
func (c *VerifyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Purge forgets every cached token, so that each is verified again on its next use: call it
// when a verification key is withdrawn.
func (c *VerifyCache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.byKey)
	c.order.Init()
}

// remove drops an entry; c.mu is held.
func (c *VerifyCache) remove(el *list.Element) {
	delete(c.byKey, el.Value.(*cacheEntry).key)
	c.order.Remove(el)
}

// expiryOf reads the exp claim of a token Verify has just accepted (so its payload is known to
// be valid base64url JSON with a positive exp).
func expiryOf(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, false
	}
	exp, ok := wholeNumber(claims.Exp)
	if !ok || exp <= 0 {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}
