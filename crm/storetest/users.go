package storetest

import (
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testUserCRUD(t *testing.T, f *fixture) {
	login := f.now.Add(time.Hour)
	u := f.user(crm.RoleSales, func(u *crm.User) {
		u.Username, u.Email, u.FirstName, u.LastName = "ann.sales", "Ann@Example.com", "Ann", "Sales"
		u.LastLogin = &login
		u.AuthVersion = 3
	})
	require.NotZero(t, u.ID)
	assert.Equal(t, int64(1), u.Version)

	got, err := f.s.FindUser(f.ctx, u.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, u, got)

	byName, err := f.s.FindUserByUsername(f.ctx, "ann.sales")
	require.NoError(t, err)
	assert.Equal(t, u.ID, byName.ID)
	_, err = f.s.FindUserByUsername(f.ctx, "ANN.SALES")
	assertCode(t, crm.ENOTFOUND, err, "a username is matched exactly")
	_, err = f.s.FindUserByUsername(f.ctx, "nobody")
	assertCode(t, crm.ENOTFOUND, err)

	updated, err := f.s.UpdateUser(f.ctx, u.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.Email, u.Role, u.IsActive, u.LastLogin = "ann@new.example.com", crm.RoleSupport, false, nil
		u.PasswordHash, u.AuthVersion = "$argon2id$other", u.AuthVersion+1
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Version)
	got, err = f.s.FindUser(f.ctx, u.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, "ann@new.example.com", got.Email)
	assert.Equal(t, crm.RoleSupport, got.Role)
	assert.False(t, got.IsActive)
	assert.Nil(t, got.LastLogin)
	assert.Equal(t, "$argon2id$other", got.PasswordHash)
	assert.Equal(t, int64(4), got.AuthVersion)
	assert.Equal(t, u.DateJoined, got.DateJoined)

	require.NoError(t, f.s.DeleteUser(f.ctx, u.ID, crm.EveryWrite, keep[*crm.User]))
	_, err = f.s.FindUser(f.ctx, u.ID, crm.Everything)
	assertCode(t, crm.ENOTFOUND, err)
	_, err = f.s.UpdateUser(f.ctx, u.ID, crm.EveryWrite, keep[*crm.User])
	assertCode(t, crm.ENOTFOUND, err)
	assertCode(t, crm.ENOTFOUND, f.s.DeleteUser(f.ctx, u.ID, crm.EveryWrite, keep[*crm.User]))

	next := f.user(crm.RoleSales)
	assert.Greater(t, next.ID, u.ID, "ids are never reused")
}

func testUserUnique(t *testing.T, f *fixture) {
	ann := f.user(crm.RoleSales, func(u *crm.User) { u.Username, u.Email = "ann", "ann@example.com" })
	bob := f.user(crm.RoleSales, func(u *crm.User) { u.Username, u.Email = "bob", "bob@example.com" })
	f.user(crm.RoleSales, func(u *crm.User) { u.Username, u.Email = "emile", "Émile@example.com" })
	before := len(f.audit())

	for _, tc := range []struct{ name, username, email, field string }{
		{"same username", "ann", "other@example.com", "username"},
		{"same username in another case", "ANN", "other@example.com", "username"},
		{"same username in full-width letters", "ａｎｎ", "other@example.com", "username"},
		{"a username that looks the same (Cyrillic а)", "\u0430nn", "other@example.com", "username"},
		{"a username that looks the same (digit one for l)", "emi1e", "other@example.com", "username"},
		{"same email", "other", "ann@example.com", "email"},
		{"same email in another case", "other", "ANN@Example.COM", "email"},
		{"same email in another case, beyond ASCII", "other", "émile@example.com", "email"},
		{"same email with a combining accent (NFD)", "other", "E\u0301mile@example.com", "email"},
		{"same email in full-width letters", "other", "ａｎｎ@example.com", "email"},
	} {
		u := &crm.User{Username: tc.username, Email: tc.email, Role: crm.RoleSales, IsActive: true,
			DateJoined: f.now, PasswordHash: "h", AuthVersion: 1}
		err := f.s.CreateUser(f.ctx, u, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, nil)})
		assertCode(t, crm.ECONFLICT, err, tc.name)
		if assert.Len(t, crm.ErrorFields(err), 1, tc.name) {
			assert.Equal(t, tc.field, crm.ErrorFields(err)[0].Field, "%s: the conflict names the field", tc.name)
		}
	}
	other := f.user(crm.RoleSales, func(u *crm.User) { u.Username, u.Email = "anne", "anne@example.com" })
	assert.NotZero(t, other.ID, "a username that only starts like another is distinct")

	_, err := f.s.UpdateUser(f.ctx, bob.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.Email = "Ann@example.com"
		return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceUser, bob.ID, nil)}, nil
	})
	assertCode(t, crm.ECONFLICT, err)
	require.Len(t, crm.ErrorFields(err), 1)
	assert.Equal(t, "email", crm.ErrorFields(err)[0].Field)
	_, err = f.s.UpdateUser(f.ctx, bob.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.Username = "\u0430nn" // Cyrillic а
		return nil, nil
	})
	assertCode(t, crm.ECONFLICT, err, "an update to a look-alike username is a duplicate")
	require.Len(t, crm.ErrorFields(err), 1)
	assert.Equal(t, "username", crm.ErrorFields(err)[0].Field)
	got, err := f.s.FindUser(f.ctx, bob.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, bob, got, "a refused update changes nothing")
	assert.Len(t, f.audit(), before+1, "only the user created since was audited")
	_ = ann
}

func testUserFilters(t *testing.T, f *fixture) {
	ann := f.user(crm.RoleManagement, func(u *crm.User) {
		u.Username, u.Email, u.FirstName, u.LastName = "ann_m", "ann.boss@example.com", "Ann", "Boss"
	})
	bob := f.user(crm.RoleSales, func(u *crm.User) {
		u.Username, u.Email, u.FirstName, u.LastName = "bob%s", "bob@shop.example.org", "Bob", "Seller"
	})
	cat := f.user(crm.RoleSupport, func(u *crm.User) {
		u.Username, u.Email, u.FirstName, u.LastName = "cat", "cat@help.example.net", "Catherine", "Annan"
		u.IsActive = false
	})
	active, inactive := true, false
	for _, tc := range []struct {
		name   string
		filter crm.UserFilter
		want   []*crm.User
	}{
		{"no filter", crm.UserFilter{}, []*crm.User{ann, bob, cat}},
		{"q on any name, ignoring case", crm.UserFilter{Q: "ANN"}, []*crm.User{ann, cat}},
		{"q on email", crm.UserFilter{Q: "shop.example"}, []*crm.User{bob}},
		{"username contains", crm.UserFilter{Username: "B"}, []*crm.User{bob}},
		{"underscore is no wildcard", crm.UserFilter{Username: "_"}, []*crm.User{ann}},
		{"percent is no wildcard", crm.UserFilter{Username: "%"}, []*crm.User{bob}},
		{"email contains", crm.UserFilter{Email: "HELP"}, []*crm.User{cat}},
		{"first name contains", crm.UserFilter{FirstName: "ath"}, []*crm.User{cat}},
		{"last name contains", crm.UserFilter{LastName: "sell"}, []*crm.User{bob}},
		{"role", crm.UserFilter{Role: crm.RoleSupport}, []*crm.User{cat}},
		{"active", crm.UserFilter{IsActive: &active}, []*crm.User{ann, bob}},
		{"inactive", crm.UserFilter{IsActive: &inactive}, []*crm.User{cat}},
		{"combined filters are and-ed", crm.UserFilter{Q: "ann", Role: crm.RoleSupport}, []*crm.User{cat}},
		{"no match", crm.UserFilter{Q: "zzz"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := f.s.ListUsers(f.ctx, tc.filter, crm.FullAccess)
			require.NoError(t, err)
			assert.Empty(t, next)
			assert.Equal(t, ids(tc.want, userID), ids(got, userID))
		})
	}
}

func testUserVisibility(t *testing.T, f *fixture) {
	ann := f.user(crm.RoleSales)
	bob := f.user(crm.RoleSupport)
	for _, tc := range []struct {
		name string
		vis  crm.Visibility
		want []*crm.User
	}{
		{"any", crm.Everything, []*crm.User{ann, bob}},
		{"self", crm.Visibility{SelfID: &bob.ID}, []*crm.User{bob}},
		{"owner and support name no user", crm.Visibility{OwnerID: &ann.ID, SupportID: &ann.ID}, nil},
		{"nothing", crm.Visibility{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.s.ListUsers(f.ctx, crm.UserFilter{}, uniform(tc.vis))
			require.NoError(t, err)
			assert.Equal(t, ids(tc.want, userID), ids(got, userID))
			for _, u := range []*crm.User{ann, bob} {
				_, err := f.s.FindUser(f.ctx, u.ID, tc.vis)
				if containsID(tc.want, u.ID, userID) {
					assert.NoError(t, err, "a listed user can be read")
				} else {
					assertCode(t, crm.ENOTFOUND, err, "an unlisted user cannot be read")
				}
			}
		})
	}
}

func testUserDeleteReferenced(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales)
	other := f.user(crm.RoleSales)
	support := f.user(crm.RoleSupport)
	c := f.client(&sales.ID)
	k := f.contract(c, func(k *crm.Contract) { k.SalesContactID = &other.ID })
	f.event(k, &support.ID)
	before := len(f.audit())

	for _, u := range []*crm.User{sales, other, support} {
		err := f.s.DeleteUser(f.ctx, u.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
			return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceUser, u.ID, nil)}, nil
		})
		assertCode(t, crm.ECONFLICT, err, "user %s is still a contact", u.Username)
		_, err = f.s.FindUser(f.ctx, u.ID, crm.Everything)
		assert.NoError(t, err, "the user is still there")
	}
	assert.Len(t, f.audit(), before, "a refused delete is not audited")
}

func testUserDeleteCascadesCredentials(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales)
	tok := &crm.RefreshToken{Hash: []byte("token-hash"), FamilyID: "fam", UserID: u.ID, AuthVersion: 1,
		IssuedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	require.NoError(t, f.s.SaveRefreshToken(f.ctx, tok))
	require.NoError(t, f.s.CreateSession(f.ctx, &crm.Session{IDHash: []byte("session-hash"), UserID: u.ID,
		AuthVersion: 1, CSRFToken: "csrf", CreatedAt: f.now, LastSeen: f.now}))

	require.NoError(t, f.s.DeleteUser(f.ctx, u.ID, crm.EveryWrite, keep[*crm.User]),
		"tokens and sessions do not keep a user from being deleted")
	_, err := f.s.FindSession(f.ctx, []byte("session-hash"))
	assertCode(t, crm.ENOTFOUND, err, "the user's sessions went with them")
	_, err = f.s.UseRefreshToken(f.ctx, []byte("token-hash"), f.now)
	assertCode(t, crm.EUNAUTHORIZED, err, "the user's refresh tokens went with them")
}

// containsID reports whether rows holds a record with id.
func containsID[T any](rows []T, id int64, idOf func(T) int64) bool {
	for _, r := range rows {
		if idOf(r) == id {
			return true
		}
	}
	return false
}

// testRecordLogin checks that a login's time (and a rehashed password) is stored without
// changing the user's version or anything else.
func testRecordLogin(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales)
	entries := len(f.audit())
	at := f.now.Add(3 * time.Hour)
	require.NoError(t, f.s.RecordLogin(f.ctx, u.ID, at, ""))
	got, err := f.s.FindUser(f.ctx, u.ID, crm.Everything)
	require.NoError(t, err)
	require.NotNil(t, got.LastLogin)
	assert.True(t, at.Equal(*got.LastLogin))
	assert.Equal(t, u.Version, got.Version, "a login is not an edit")
	assert.Equal(t, u.PasswordHash, got.PasswordHash)

	require.NoError(t, f.s.RecordLogin(f.ctx, u.ID, at.Add(time.Minute), "$argon2id$stronger"))
	got, err = f.s.FindUser(f.ctx, u.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, "$argon2id$stronger", got.PasswordHash)
	assert.Equal(t, u.Version, got.Version)
	assert.Len(t, f.audit(), entries, "a login writes no audit entry")

	assertCode(t, crm.ENOTFOUND, f.s.RecordLogin(f.ctx, u.ID+1000, at, ""))
}
