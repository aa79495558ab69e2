package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"sync"
	"time"
)

// API keys let an integration call the REST API without a person's password. Each key belongs to
// a service account: a user of kind KindService, with the key's role, no password and an
// unreachable address, so that the permissions, scopes and audit of the CRM apply to what the
// key does exactly as to a person of that role. Revoking the key deactivates its account.

// UserKind tells a person from a service account.
type UserKind string

// The kinds of users.
const (
	// KindPerson is a member of staff who logs in with a password.
	KindPerson UserKind = "person"
	// KindService is the account of an API key: it never logs in with a password, never gets a
	// refresh token or an admin session, and is never sent e-mail.
	KindService UserKind = "service"
)

// APIKeyPrefix starts every API key, so that a key is recognised (by the API, which tells it
// from an access token, and by secret scanners).
const APIKeyPrefix = "epk_"

// apiKeyLen is the length of a key: the prefix and 256 random bits in unpadded base32.
const apiKeyLen = len(APIKeyPrefix) + 52

// apiKeyShown is how many characters of a key are kept in the clear to recognise it.
const apiKeyShown = len(APIKeyPrefix) + 8

// apiKeyTouchEvery bounds how often a key's last use is written: at most once per interval per
// key and process, so that using a key costs no write per request.
const apiKeyTouchEvery = time.Minute

// keyEncoding writes keys in lower-case base32 without padding: no character that a URL, a
// shell or a header would need to escape.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// APIKey is an API key as management sees it; the secret itself is shown once, when created.
type APIKey struct {
	ID int64 `json:"id"`
	// Name says what the key is for.
	Name string `json:"name"`
	// Prefix is the start of the key, to recognise it ("epk_" and 8 characters).
	Prefix string `json:"prefix"`
	// UserID is the key's service account: the actor of everything the key does.
	UserID int64 `json:"user_id"`
	// Role is the role of the service account, which decides what the key may do.
	Role       Role       `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  int64      `json:"created_by"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`

	// Hash is the SHA-256 of the key; it never leaves the server.
	Hash []byte `json:"-"`
}

// APIKeyInput is what management gives to create a key.
type APIKeyInput struct {
	Name      Opt[string]     `json:"name"`
	Role      Opt[Role]       `json:"role"`
	ExpiresAt Opt[*time.Time] `json:"expires_at"`
}

// NewAPIKey is a key just created: the only time its secret is known.
type NewAPIKey struct {
	// Key is the secret to send as Authorization: Bearer <key>. It is not stored.
	Key string `json:"key"`
	// APIKey describes the key, as ListAPIKeys shows it.
	APIKey *APIKey `json:"api_key"`
}

// APIKeyStore keeps API keys. Keys are read on every request that presents one: a store must
// not cache them, so that a revocation applies at once in every process.
type APIKeyStore interface {
	// CreateAPIKey inserts the service account u (setting its ID and Version), its audit
	// entries (their ResourceID set to the new ID) and the key k (setting its ID and UserID) in
	// one transaction. Returns ECONFLICT like CreateUser for a taken username or email.
	CreateAPIKey(ctx context.Context, u *User, k *APIKey, audit []AuditEntry) error
	// FindAPIKeyByHash returns the key whose Hash is hash, or ENOTFOUND.
	FindAPIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// FindAPIKey returns the key with id, or ENOTFOUND.
	FindAPIKey(ctx context.Context, id int64) (*APIKey, error)
	// ListAPIKeys returns every key, newest first.
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeAPIKey sets the revocation time of the key with id, unless it has one. Returns
	// ENOTFOUND for an unknown id.
	RevokeAPIKey(ctx context.Context, id int64, at time.Time) error
	// TouchAPIKey records a use of the key with id at the given time.
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

// keyUses remembers when each key's last use was written, per process.
type keyUses struct {
	mu sync.Mutex
	at map[int64]time.Time
}

// due reports whether a use of key id at now should be written, and if so records it.
func (k *keyUses) due(id int64, stored *time.Time, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	last, ok := k.at[id]
	if !ok && stored != nil {
		last, ok = *stored, true
	}
	if ok && now.Sub(last) < apiKeyTouchEvery {
		return false
	}
	if k.at == nil {
		k.at = map[int64]time.Time{}
	}
	k.at[id] = now
	return true
}

// hashAPIKey returns the stored form of a key. A key carries 256 random bits, so a fast hash
// cannot be reversed by guessing: a slow password hash would only make every request slower.
func hashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// wellFormedKey reports whether s has the shape of an API key, so that anything else is refused
// without a database read.
func wellFormedKey(s string) bool {
	if len(s) != apiKeyLen || !strings.HasPrefix(s, APIKeyPrefix) {
		return false
	}
	_, err := keyEncoding.DecodeString(s[len(APIKeyPrefix):])
	return err == nil
}

// IsAPIKey reports whether a bearer credential is meant as an API key (it starts with
// APIKeyPrefix) rather than an access token.
func IsAPIKey(credential string) bool { return strings.HasPrefix(credential, APIKeyPrefix) }

// apiKeys returns the key store, or an error when the Service has none.
func (s *Service) apiKeyStore() (APIKeyStore, error) {
	if s.apiKeys == nil {
		return nil, Errorf(EUNAVAILABLE, "API keys are not available: the store does not keep them")
	}
	return s.apiKeys, nil
}

// manageKeys returns the acting user when they may manage API keys: those who may create and
// read users of any scope (management under the default policy), since a key is an account.
func (s *Service) manageKeys(ctx context.Context) (*User, APIKeyStore, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !s.visibility(a, ResourceUser, ActionCreate).Any || !s.visibility(a, ResourceUser, ActionRead).Any {
		return nil, nil, Errorf(EFORBIDDEN, "you may not manage API keys: it takes the right to create and read any user")
	}
	st, err := s.apiKeyStore()
	return a, st, err
}

// CreateAPIKey creates an API key and its service account, with the role given; the caller must
// be allowed to create and read any user (management). The returned key's secret is shown
// this once: only its hash is kept.
func (s *Service) CreateAPIKey(ctx context.Context, in APIKeyInput) (*NewAPIKey, error) {
	a, st, err := s.manageKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var fe fieldErrors
	name := strings.TrimSpace(in.Name.Value)
	switch {
	case name == "":
		fe.add("name", FieldRequired, "required: what the key is for, such as \"billing export\"")
	default:
		checkLen(&fe, "name", name, maxNameLen)
		checkText(&fe, "name", name, false)
	}
	if !in.Role.Value.Valid() {
		fe.add("role", FieldInvalidChoice, "required: management, sales or support")
	}
	var expires *time.Time
	if in.ExpiresAt.Set && in.ExpiresAt.Value != nil {
		t := in.ExpiresAt.Value.UTC().Truncate(time.Microsecond)
		if !t.After(now) {
			fe.add("expires_at", FieldOutOfRange, "must be in the future")
		}
		expires = &t
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, Internal(err)
	}
	secret := APIKeyPrefix + keyEncoding.EncodeToString(raw)
	shown := secret[:apiKeyShown]
	username := "key-" + shown[len(APIKeyPrefix):]
	u := &User{Username: username, Email: username + "@service.invalid", FirstName: name, Role: in.Role.Value,
		IsActive: true, DateJoined: now, AuthVersion: 1, Kind: KindService}
	k := &APIKey{Name: name, Prefix: shown, Role: u.Role, CreatedAt: now, CreatedBy: a.ID, ExpiresAt: expires,
		Hash: hashAPIKey(secret)}
	changes := userChanges(&User{}, u, true)
	changes["kind"] = [2]any{nil, KindService}
	changes["api_key"] = [2]any{nil, shown}
	if err := st.CreateAPIKey(ctx, u, k, []AuditEntry{s.entry(a, ActionCreate, ResourceUser, 0, changes)}); err != nil {
		return nil, err
	}
	return &NewAPIKey{APIKey: k, Key: secret}, nil
}

// ListAPIKeys returns every API key, newest first, revoked ones included; never a secret.
func (s *Service) ListAPIKeys(ctx context.Context) ([]*APIKey, error) {
	_, st, err := s.manageKeys(ctx)
	if err != nil {
		return nil, err
	}
	return st.ListAPIKeys(ctx)
}

// RevokeAPIKey revokes an API key at once and deactivates its service account. Revoking a key
// already revoked changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	a, st, err := s.manageKeys(ctx)
	if err != nil {
		return err
	}
	k, err := st.FindAPIKey(ctx, id)
	if err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return nil
	}
	// The key first: from then on no request gets through with it, whatever follows.
	if err := st.RevokeAPIKey(ctx, id, s.clock()); err != nil {
		return err
	}
	_, err = s.users.UpdateUser(ctx, k.UserID, EveryWrite, func(u *User) ([]AuditEntry, error) {
		changes := map[string][2]any{"api_key": {k.Prefix, "(revoked)"}}
		if u.IsActive {
			changes["is_active"] = [2]any{true, false}
		}
		u.IsActive = false
		u.AuthVersion++
		return []AuditEntry{s.entry(a, ActionUpdate, ResourceUser, u.ID, changes)}, nil
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil // the account is gone already, and the key with it
	}
	return err
}

// KeyActor returns the service account acting with an API key. It returns EUNAUTHORIZED, saying
// why, for a malformed, unknown, revoked or expired key or a deactivated account. A wrong key
// costs one indexed read; a key's last use is written at most once a minute per process.
func (s *Service) KeyActor(ctx context.Context, key string) (*User, error) {
	if !wellFormedKey(key) {
		return nil, Errorf(EUNAUTHORIZED, "malformed API key: an API key is %q followed by 52 letters and digits", APIKeyPrefix)
	}
	st, err := s.apiKeyStore()
	if err != nil {
		return nil, err
	}
	k, err := st.FindAPIKeyByHash(ctx, hashAPIKey(key))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "unknown API key: check it, or ask management for a new one")
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	if k.RevokedAt != nil {
		return nil, Errorf(EUNAUTHORIZED, "the API key %s was revoked: ask management for a new one", k.Prefix)
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, Errorf(EUNAUTHORIZED, "the API key %s expired at %s: ask management for a new one",
			k.Prefix, k.ExpiresAt.Format(time.RFC3339))
	}
	u, err := s.activeUser(ctx, k.UserID)
	if err != nil {
		return nil, err
	}
	if s.keyUses.due(k.ID, k.LastUsedAt, now) {
		// Best effort: a failure to record the last use must not refuse the request.
		_ = st.TouchAPIKey(ctx, k.ID, now)
	}
	return u, nil
}

// whyServicePassword is why a service account's password cannot be set.
var whyServicePassword = Textf("a service account has no password: it acts only with its API key")
