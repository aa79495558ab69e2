package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// testHeldCredentials checks what the access review relies on to flag deactivated users who
// still hold credentials: only usable refresh tokens count, and every session.
func testHeldCredentials(t *testing.T, f *fixture) {
	cc, ok := f.s.(crm.CredentialCounter)
	if !ok {
		t.Skip("the store does not implement crm.CredentialCounter")
	}
	held, err := cc.HeldCredentials(f.ctx, f.now)
	require.NoError(t, err)
	assert.Empty(t, held, "an empty store")

	a, b, c := f.user(crm.RoleSales), f.user(crm.RoleSupport), f.user(crm.RoleManagement)
	f.token(a, "a-1", "fa")
	f.token(a, "a-2", "fa2")
	f.token(a, "a-used", "fa3")
	_, err = f.s.UseRefreshToken(f.ctx, []byte("a-used"), f.now)
	require.NoError(t, err)
	f.token(b, "b-revoked", "fb")
	require.NoError(t, f.s.RevokeRefreshToken(f.ctx, []byte("b-revoked"), b.ID))
	f.token(b, "b-late", "fb") // saved into a revoked family: unusable
	require.NoError(t, f.s.CreateSession(f.ctx, &crm.Session{IDHash: []byte("sb"), UserID: b.ID, AuthVersion: 1,
		CSRFToken: "x", CreatedAt: f.now, LastSeen: f.now}))
	f.token(c, "c-expiring", "fc")

	held, err = cc.HeldCredentials(f.ctx, f.now.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []crm.HeldCredentials{
		{UserID: a.ID, RefreshTokens: 2},
		{UserID: b.ID, Sessions: 1},
		{UserID: c.ID, RefreshTokens: 1},
	}, held)
	held, err = cc.HeldCredentials(f.ctx, f.now.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []crm.HeldCredentials{{UserID: b.ID, Sessions: 1}}, held, "expired tokens no longer count")
}
