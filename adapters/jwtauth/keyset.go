package jwtauth

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/epicevents/epiccrm/crm"
)

// Settings of a KeySet.
const (
	// DefaultKeyRefresh is how often a KeySet rereads the keys when KeySetOptions.Refresh is 0.
	DefaultKeyRefresh = 30 * time.Second
	// MinKeyReload is the least time between two reloads that a token with an unknown kid
	// triggers: such tokens are refused without a query in between.
	MinKeyReload = 5 * time.Second
	// KeyRetention is how long a retired key stays in the database after its retirement (it is
	// published only while tokens it signed may still be valid); RotateKey deletes older ones.
	KeyRetention = 24 * time.Hour
	// kekSize is the size of a key-encryption key: AES-256.
	kekSize = 32
	// reloadTimeout bounds one reload of the keys.
	reloadTimeout = 5 * time.Second
)

// StoredKey is one signing key as a KeyStore keeps it.
type StoredKey struct {
	// ID is the kid: the RFC 7638 thumbprint of the public key.
	ID string
	// Sealed is the Ed25519 seed sealed with AES-256-GCM under the key-encryption key, with the
	// kid as additional data: nonce || ciphertext || tag.
	Sealed []byte
	// CreatedAt is when the key was made.
	CreatedAt time.Time
	// RetiredAt is when a newer key replaced it; nil for the current key.
	RetiredAt *time.Time
}

// KeyStore is where a KeySet keeps its keys, so that every process of one CRM sees the same
// ones: the database. The epiccrm package implements it over the SQL stores.
type KeyStore interface {
	// SigningKeys returns every stored key.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// AddSigningKey stores k as the current key; with rotate, it retires the current key at
	// k.CreatedAt in the same transaction, and without, it fails if there is a current key. When
	// another process made a key current meanwhile, it fails with ECONFLICT.
	AddSigningKey(ctx context.Context, k StoredKey, rotate bool) error
	// DeleteSigningKeysRetiredBefore deletes the keys retired before t.
	DeleteSigningKeysRetiredBefore(ctx context.Context, t time.Time) (int64, error)
}

// ErrKeyEncryptionKey is the error (tested with errors.Is) of a key-encryption key that is
// malformed or does not open the stored signing keys.
var ErrKeyEncryptionKey = errors.New("wrong key-encryption key")

// KEK is a key-encryption key: 32 random bytes that seal the signing keys kept in the database
// with AES-256-GCM. Every process of one CRM must be given the same one.
type KEK struct{ aead cipher.AEAD }

// ParseKEK reads a key-encryption key written in base64 (standard or URL alphabet, with or
// without padding), such as the output of `openssl rand -base64 32`. It must decode to exactly
// 32 bytes.
func ParseKEK(s string) (*KEK, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: it is empty: give 32 random bytes in base64, such as the output of `openssl rand -base64 32`",
			ErrKeyEncryptionKey)
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: it is not base64: give 32 random bytes in base64, such as the output of `openssl rand -base64 32`",
			ErrKeyEncryptionKey)
	}
	if len(raw) != kekSize {
		return nil, fmt.Errorf("%w: it decodes to %d bytes, not %d: give 32 random bytes in base64, such as the output of "+
			"`openssl rand -base64 32`", ErrKeyEncryptionKey, len(raw), kekSize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot use the key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot use the key-encryption key: %w", err)
	}
	return &KEK{aead: aead}, nil
}

// seal encrypts the seed of key, binding it to kid.
func (k *KEK) seal(kid string, key ed25519.PrivateKey) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("jwtauth: cannot read random bytes: %w", err)
	}
	return k.aead.Seal(nonce, nonce, key.Seed(), []byte(kid)), nil
}

// open decrypts a sealed key and checks that it is the key kid names.
func (k *KEK) open(s StoredKey) (ed25519.PrivateKey, error) {
	n := k.aead.NonceSize()
	if len(s.Sealed) < n {
		return nil, fmt.Errorf("jwtauth: the stored signing key %s is truncated", s.ID)
	}
	seed, err := k.aead.Open(nil, s.Sealed[:n], s.Sealed[n:], []byte(s.ID))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not decrypt the signing key %s stored in the database: give the "+
			"key-encryption key the keys were made with (--key-encryption-key or EPICCRM_KEY_ENCRYPTION_KEY, the same "+
			"for every process)", ErrKeyEncryptionKey, s.ID)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("jwtauth: the stored signing key %s is not an Ed25519 seed", s.ID)
	}
	key := ed25519.NewKeyFromSeed(seed)
	if kid, _, err := keyID(key); err != nil || kid != s.ID {
		return nil, fmt.Errorf("jwtauth: the stored signing key %s does not match its kid", s.ID)
	}
	return key, nil
}

// keyID returns the kid of key (the base64url RFC 7638 SHA-256 thumbprint of its public key)
// and its public JWK.
func keyID(key ed25519.PrivateKey) (string, jwk.Key, error) {
	pub, _ := key.Public().(ed25519.PublicKey)
	jwkPub, err := jwk.FromRaw(pub)
	if err != nil {
		return "", nil, fmt.Errorf("jwtauth: cannot describe the public key as a JWK: %w", err)
	}
	thumb, err := jwkPub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", nil, fmt.Errorf("jwtauth: cannot compute the key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(thumb), jwkPub, nil
}

// keyState is a set of keys at one moment: the one that signs, and those that verify.
type keyState struct {
	kid    string
	key    ed25519.PrivateKey
	pubs   map[string]ed25519.PublicKey
	jwks   []byte
	loaded time.Time
}

// newKeyState returns the state that signs with key (kid) and verifies with it and the keys of
// others, in that order in the JWKS.
func newKeyState(kid string, key ed25519.PrivateKey, others map[string]ed25519.PrivateKey, loaded time.Time) (*keyState, error) {
	st := &keyState{kid: kid, key: key, pubs: map[string]ed25519.PublicKey{}, loaded: loaded}
	set := jwk.NewSet()
	add := func(k ed25519.PrivateKey) error {
		id, pub, err := keyID(k)
		if err != nil {
			return err
		}
		for name, value := range map[string]any{jwk.KeyIDKey: id, jwk.AlgorithmKey: jwa.EdDSA, jwk.KeyUsageKey: jwk.ForSignature} {
			if err := pub.Set(name, value); err != nil {
				return fmt.Errorf("jwtauth: cannot set %s of the public JWK: %w", name, err)
			}
		}
		st.pubs[id], _ = k.Public().(ed25519.PublicKey)
		return set.AddKey(pub)
	}
	if err := add(key); err != nil {
		return nil, err
	}
	for _, k := range others {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot encode the public key set: %w", err)
	}
	st.jwks = b
	return st, nil
}

// keySource is where an Issuer finds its keys: one fixed key (New) or a KeySet.
type keySource interface {
	// state returns the keys to use now.
	state() *keyState
	// verifying returns the public key of kid, or nil when it is not one of the keys.
	verifying(kid string) ed25519.PublicKey
}

// fixedKey is the one key of an Issuer made by New.
type fixedKey struct{ st *keyState }

func (f fixedKey) state() *keyState                       { return f.st }
func (f fixedKey) verifying(kid string) ed25519.PublicKey { return f.st.pubs[kid] }

// KeySetOptions sets how a KeySet follows the database.
type KeySetOptions struct {
	// Refresh is how often the keys are reread, so that a rotation made by another process is
	// followed: DefaultKeyRefresh when 0.
	Refresh time.Duration
	// Logger receives the key changes and the failed reloads; nil means no log.
	Logger *slog.Logger
}

// KeySet is the set of signing keys kept in a KeyStore, shared by every process of one CRM: the
// current key signs, and the keys retired less than the longest lifetime of a token ago (the
// access token lifetime, the clock skew and the refresh period) still verify and stay in the
// JWKS. It rereads the store every Refresh period (on the first use after it), and at once when
// a token names a kid it does not know, at most every MinKeyReload, so a rotation made by any
// process reaches every other without a restart. It is safe for concurrent use.
type KeySet struct {
	store   KeyStore
	kek     *KEK
	now     func() time.Time
	keep    time.Duration
	refresh time.Duration
	log     *slog.Logger

	cur        atomic.Pointer[keyState]
	mu         sync.Mutex // serializes reloads
	lastReload time.Time  // guarded by mu: the last reload attempt
}

// OpenKeySet loads the keys of store, opening them with kek; on an empty store it makes the
// first key (when several processes start at once, one makes it and the others load it). cfg
// gives the clock and the token lifetimes, which bound how long a retired key still verifies.
// It fails with ErrKeyEncryptionKey when kek does not open the stored keys.
func OpenKeySet(ctx context.Context, cfg Config, store KeyStore, kek *KEK, opts KeySetOptions) (*KeySet, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if store == nil || kek == nil {
		return nil, errors.New("jwtauth: OpenKeySet needs a key store and a key-encryption key")
	}
	if opts.Refresh == 0 {
		opts.Refresh = DefaultKeyRefresh
	}
	if opts.Refresh < 0 {
		return nil, fmt.Errorf("jwtauth: the key refresh period must be positive, not %s", opts.Refresh)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &KeySet{store: store, kek: kek, now: cfg.Now, refresh: opts.Refresh, log: opts.Logger,
		keep: cfg.AccessTTL + cfg.Skew + opts.Refresh}
	for range 3 {
		st, err := s.load(ctx)
		if err != nil {
			return nil, err
		}
		if st != nil {
			s.cur.Store(st)
			return s, nil
		}
		if _, err := addKey(ctx, store, kek, s.now(), false); err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
			return nil, err
		}
	}
	return nil, errors.New("jwtauth: no current signing key appeared in the database: check that the signing_keys table is writable")
}

// load reads the keys of the store and returns the state they make, or nil when there is no
// current key.
func (s *KeySet) load(ctx context.Context) (*keyState, error) {
	stored, err := s.store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: reading the signing keys: %w", err)
	}
	now := s.now()
	var cur *StoredKey
	var curKey ed25519.PrivateKey
	others := map[string]ed25519.PrivateKey{}
	for i, k := range stored {
		if k.RetiredAt != nil && !k.RetiredAt.Add(s.keep).After(now) {
			continue // every token it signed has expired
		}
		key, err := s.kek.open(k)
		if err != nil {
			return nil, err
		}
		if k.RetiredAt == nil {
			cur, curKey = &stored[i], key
		} else {
			others[k.ID] = key
		}
	}
	if cur == nil {
		return nil, nil
	}
	return newKeyState(cur.ID, curKey, others, now)
}

// Reload rereads the keys now.
func (s *KeySet) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked(ctx)
}

// reloadLocked rereads the keys; s.mu is held. On failure the keys in use stay.
func (s *KeySet) reloadLocked(ctx context.Context) error {
	s.lastReload = s.now()
	st, err := s.load(ctx)
	if err == nil && st == nil {
		err = errors.New("jwtauth: the database holds no current signing key: run 'epiccrm keys rotate'")
	}
	if err != nil {
		s.log.Error("signing keys not reloaded: the keys in use stay", "error", err.Error())
		return err
	}
	if old := s.cur.Swap(st); old == nil || old.kid != st.kid {
		s.log.Info("signing key in use", "kid", st.kid, "verifying_kids", len(st.pubs))
	}
	return nil
}

// state returns the keys to use, rereading them first when the refresh period has passed
// (unless another goroutine is rereading them).
func (s *KeySet) state() *keyState {
	st := s.cur.Load()
	if s.now().Sub(st.loaded) < s.refresh || !s.mu.TryLock() {
		return st
	}
	defer s.mu.Unlock()
	if s.now().Sub(s.cur.Load().loaded) >= s.refresh && s.now().Sub(s.lastReload) >= MinKeyReload {
		ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
		defer cancel()
		_ = s.reloadLocked(ctx)
	}
	return s.cur.Load()
}

// verifying returns the public key of kid, rereading the keys once when kid is unknown and the
// last reload is at least MinKeyReload old: a token signed by a key another process has just
// made verifies at once.
func (s *KeySet) verifying(kid string) ed25519.PublicKey {
	if pub := s.state().pubs[kid]; pub != nil {
		return pub
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pub := s.cur.Load().pubs[kid]; pub != nil {
		return pub // another goroutine reloaded meanwhile
	}
	if s.now().Sub(s.lastReload) < MinKeyReload {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	_ = s.reloadLocked(ctx)
	return s.cur.Load().pubs[kid]
}

// CurrentKeyID returns the kid of the key that signs new tokens.
func (s *KeySet) CurrentKeyID() string { return s.state().kid }

// KeyIDs returns the kids of every key that verifies tokens (the ones the JWKS publishes), the
// current one first.
func (s *KeySet) KeyIDs() []string {
	st := s.state()
	ids := []string{st.kid}
	for id := range st.pubs {
		if id != st.kid {
			ids = append(ids, id)
		}
	}
	return ids
}

// Rotate makes a new key current (see RotateKey) and rereads the keys.
func (s *KeySet) Rotate(ctx context.Context) (string, error) {
	kid, err := RotateKey(ctx, s.store, s.kek, s.now())
	if err != nil {
		return "", err
	}
	return kid, s.Reload(ctx)
}

// RotateKey makes a new signing key current in store at now, retiring the current one, which
// keeps verifying the tokens it signed until they expire; other processes follow within their
// refresh period, or at once on a token of the new key. It first checks that kek opens the
// current key, so that keys made with another key-encryption key are never mixed, and deletes
// the keys retired more than KeyRetention ago. It returns the new kid.
func RotateKey(ctx context.Context, store KeyStore, kek *KEK, now time.Time) (string, error) {
	stored, err := store.SigningKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("jwtauth: reading the signing keys: %w", err)
	}
	for _, k := range stored {
		if k.RetiredAt == nil {
			if _, err := kek.open(k); err != nil {
				return "", err
			}
		}
	}
	kid, err := addKey(ctx, store, kek, now, true)
	if err != nil {
		return "", err
	}
	if _, err := store.DeleteSigningKeysRetiredBefore(ctx, now.Add(-KeyRetention)); err != nil {
		return "", fmt.Errorf("jwtauth: the new key %s is current, but deleting the old keys failed: %w", kid, err)
	}
	return kid, nil
}

// addKey generates a key and stores it as the current one.
func addKey(ctx context.Context, store KeyStore, kek *KEK, now time.Time, rotate bool) (string, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("jwtauth: cannot generate a token signing key: %w", err)
	}
	kid, _, err := keyID(key)
	if err != nil {
		return "", err
	}
	sealed, err := kek.seal(kid, key)
	if err != nil {
		return "", err
	}
	if err := store.AddSigningKey(ctx, StoredKey{ID: kid, Sealed: sealed, CreatedAt: now.UTC()}, rotate); err != nil {
		return "", fmt.Errorf("jwtauth: storing a new signing key: %w", err)
	}
	return kid, nil
}
