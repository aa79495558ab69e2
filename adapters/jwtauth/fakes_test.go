package jwtauth_test

import (
	"context"
	"sync"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// memTokens is an in-memory crm.RefreshTokenStore with the contract's semantics: a token is
// used once; a second use revokes its family.
type memTokens struct {
	mu      sync.Mutex
	tokens  map[string]*storedToken // by hash
	revoked map[string]bool         // family ids
	lookups int                     // calls of UseRefreshToken and RevokeRefreshToken
	fail    error                   // when set, every call returns it
}

type storedToken struct {
	crm.RefreshToken
	used bool
}

func newMemTokens() *memTokens {
	return &memTokens{tokens: map[string]*storedToken{}, revoked: map[string]bool{}}
}

func (m *memTokens) SaveRefreshToken(_ context.Context, t *crm.RefreshToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.tokens[string(t.Hash)] = &storedToken{RefreshToken: *t}
	return nil
}

func (m *memTokens) UseRefreshToken(_ context.Context, hash []byte, now time.Time) (*crm.RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if m.fail != nil {
		return nil, m.fail
	}
	t := m.tokens[string(hash)]
	switch {
	case t == nil:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "unknown refresh token")
	case m.revoked[t.FamilyID]:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "revoked refresh token")
	case t.used:
		m.revoked[t.FamilyID] = true
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "refresh token reused: family revoked")
	case !now.Before(t.ExpiresAt):
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "expired refresh token")
	}
	t.used = true
	out := t.RefreshToken
	return &out, nil
}

func (m *memTokens) RevokeRefreshToken(_ context.Context, hash []byte, userID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if m.fail != nil {
		return m.fail
	}
	if t := m.tokens[string(hash)]; t != nil && t.UserID == userID {
		m.revoked[t.FamilyID] = true
	}
	return nil
}

// lookupCount returns how many times the store was asked about a token.
func (m *memTokens) lookupCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookups
}

// get returns the stored token with the given hash.
func (m *memTokens) get(hash []byte) (crm.RefreshToken, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[string(hash)]
	if !ok {
		return crm.RefreshToken{}, false
	}
	return t.RefreshToken, true
}

func (m *memTokens) familyRevoked(family string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.revoked[family]
}

func (m *memTokens) setFailure(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// fakeUsers is an in-memory jwtauth.Users that behaves like crm.Service.Actor.
type fakeUsers struct {
	mu    sync.Mutex
	users map[int64]crm.User
}

func (f *fakeUsers) Actor(_ context.Context, id, authVersion int64) (*crm.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	switch {
	case !ok:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "the account no longer exists")
	case !u.IsActive:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "the account is deactivated")
	case u.AuthVersion != authVersion:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "the session has ended: log in again")
	}
	return &u, nil
}

func (f *fakeUsers) put(u crm.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users == nil {
		f.users = map[int64]crm.User{}
	}
	f.users[u.ID] = u
}

func (f *fakeUsers) change(id int64, fn func(*crm.User)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	fn(&u)
	f.users[id] = u
}

func (f *fakeUsers) remove(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, id)
}
