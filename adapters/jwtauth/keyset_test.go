package jwtauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/testclock"
)

// memKeys is an in-memory jwtauth.KeyStore that counts its reads.
type memKeys struct {
	mu    sync.Mutex
	keys  []jwtauth.StoredKey
	reads int
	fail  error
}

func (m *memKeys) SigningKeys(context.Context) ([]jwtauth.StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	if m.fail != nil {
		return nil, m.fail
	}
	return append([]jwtauth.StoredKey(nil), m.keys...), nil
}

func (m *memKeys) AddSigningKey(_ context.Context, k jwtauth.StoredKey, rotate bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].RetiredAt == nil {
			if !rotate {
				return crm.Errorf(crm.ECONFLICT, "there is a current key")
			}
			at := k.CreatedAt
			m.keys[i].RetiredAt = &at
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

func (m *memKeys) DeleteSigningKeysRetiredBefore(_ context.Context, t time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var kept []jwtauth.StoredKey
	for _, k := range m.keys {
		if k.RetiredAt == nil || !k.RetiredAt.Before(t) {
			kept = append(kept, k)
		}
	}
	n := len(m.keys) - len(kept)
	m.keys = kept
	return int64(n), nil
}

func (m *memKeys) readCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

// testKEK is a key-encryption key of 32 bytes b.
func testKEK(t *testing.T, b byte) *jwtauth.KEK {
	t.Helper()
	k, err := jwtauth.ParseKEK(base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune(b)), 32))))
	require.NoError(t, err)
	return k
}

// keySetRig is two Issuers (two processes) on one key store.
type keySetRig struct {
	store    *memKeys
	clock    *testclock.Clock
	one, two *jwtauth.Issuer
	setOne   *jwtauth.KeySet
	user     crm.User
}

func newKeySetRig(t *testing.T) *keySetRig {
	t.Helper()
	r := &keySetRig{store: &memKeys{}, clock: testclock.New(start),
		user: crm.User{ID: 7, Username: "ann", Role: crm.RoleSales, IsActive: true, AuthVersion: 3}}
	users := &fakeUsers{}
	users.put(r.user)
	cfg := jwtauth.Config{Now: r.clock.Now}
	var err error
	r.setOne, err = jwtauth.OpenKeySet(context.Background(), cfg, r.store, testKEK(t, 1), jwtauth.KeySetOptions{})
	require.NoError(t, err)
	setTwo, err := jwtauth.OpenKeySet(context.Background(), cfg, r.store, testKEK(t, 1), jwtauth.KeySetOptions{})
	require.NoError(t, err)
	r.one, err = jwtauth.NewWithKeySet(cfg, r.setOne, newMemTokens(), users)
	require.NoError(t, err)
	r.two, err = jwtauth.NewWithKeySet(cfg, setTwo, newMemTokens(), users)
	require.NoError(t, err)
	return r
}

func TestKeySetMakesOneFirstKeyAndSealsIt(t *testing.T) {
	r := newKeySetRig(t)
	require.Len(t, r.store.keys, 1, "the second process loads the key the first one made")
	assert.Equal(t, r.one.KeyID(), r.two.KeyID())
	assert.Equal(t, r.one.KeyID(), r.store.keys[0].ID)
	assert.Len(t, r.store.keys[0].Sealed, 12+32+16, "nonce, sealed seed and tag")

	_, err := jwtauth.OpenKeySet(context.Background(), jwtauth.Config{Now: r.clock.Now}, r.store, testKEK(t, 2), jwtauth.KeySetOptions{})
	assert.ErrorIs(t, err, jwtauth.ErrKeyEncryptionKey)

	// A sealed key moved to another kid does not open: the kid is bound to it.
	r.store.keys[0].ID = "another-kid"
	_, err = jwtauth.OpenKeySet(context.Background(), jwtauth.Config{Now: r.clock.Now}, r.store, testKEK(t, 1), jwtauth.KeySetOptions{})
	assert.ErrorIs(t, err, jwtauth.ErrKeyEncryptionKey)
}

func TestKeySetReloadsOnAnUnknownKidAtMostEveryFewSeconds(t *testing.T) {
	r := newKeySetRig(t)
	ctx := context.Background()
	r.clock.Advance(jwtauth.MinKeyReload)
	kid, err := r.setOne.Rotate(ctx)
	require.NoError(t, err)
	p, err := r.one.Issue(ctx, &r.user)
	require.NoError(t, err)

	before := r.store.readCount()
	_, err = r.two.Verify(ctx, p.AccessToken)
	require.NoError(t, err, "a token of a key made by another process verifies at once")
	assert.Equal(t, before+1, r.store.readCount(), "after one reload")
	assert.Equal(t, kid, r.two.KeyID())

	// A token of a kid nobody knows: one reload, then none until MinKeyReload has passed.
	foreign := newRig(t)
	r.clock.Advance(jwtauth.MinKeyReload)
	tok, err := foreign.iss.Issue(ctx, &foreign.user)
	require.NoError(t, err)
	before = r.store.readCount()
	for range 5 {
		_, err = r.two.Verify(ctx, tok.AccessToken)
		assertUnauthorized(t, err, tok.AccessToken)
	}
	assert.Equal(t, before+1, r.store.readCount(), "unknown kids cost one reload per period, not one per token")
}

func TestKeySetKeepsItsKeysWhenAReloadFails(t *testing.T) {
	r := newKeySetRig(t)
	ctx := context.Background()
	kid := r.two.KeyID()
	r.store.mu.Lock()
	r.store.fail = errors.New("database down")
	r.store.mu.Unlock()
	r.clock.Advance(jwtauth.DefaultKeyRefresh)
	p, err := r.two.Issue(ctx, &r.user)
	require.NoError(t, err, "signing goes on with the keys in use")
	_, err = r.two.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, kid, r.two.KeyID())
}

func TestRotateKeyDeletesLongRetiredKeys(t *testing.T) {
	r := newKeySetRig(t)
	ctx := context.Background()
	first := r.one.KeyID()
	_, err := jwtauth.RotateKey(ctx, r.store, testKEK(t, 1), r.clock.Now())
	require.NoError(t, err)
	r.clock.Advance(jwtauth.KeyRetention + time.Second)
	_, err = jwtauth.RotateKey(ctx, r.store, testKEK(t, 1), r.clock.Now())
	require.NoError(t, err)
	require.Len(t, r.store.keys, 2)
	for _, k := range r.store.keys {
		assert.NotEqual(t, first, k.ID, "the key retired a day ago is deleted")
	}
}

func TestParseKEK(t *testing.T) {
	raw := []byte(strings.Repeat("k", 32))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		_, err := jwtauth.ParseKEK(" " + enc.EncodeToString(raw) + "\n")
		assert.NoError(t, err)
	}
	for in, want := range map[string]string{
		"":           "it is empty",
		"%%%":        "it is not base64",
		"c2hvcnQ=":   "decodes to 5 bytes, not 32",
		"passphrase": "not 32",
	} {
		_, err := jwtauth.ParseKEK(in)
		assert.ErrorIs(t, err, jwtauth.ErrKeyEncryptionKey, in)
		assert.ErrorContains(t, err, want, in)
	}
}
