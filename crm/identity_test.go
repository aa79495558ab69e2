package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// A user changes their own first and last names, never their username or email: trying is
// refused naming the field, before anything could tell them whether the name is taken.
func TestOnlyManagementSetsUsernamesAndEmails(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for name, in := range map[string]crm.UserInput{
		"a free username":  {Username: crm.Some("samuel")},
		"a taken username": {Username: crm.Some("boss")},
		"a free email":     {Email: crm.Some("samuel@epic.example")},
		"a taken email":    {Email: crm.Some("boss@epic.example")},
	} {
		_, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, in, 0)
		requireCode(t, err, crm.EFORBIDDEN)
		field := "username"
		if in.Email.Set {
			field = "email"
		}
		assert.Equal(t, []string{field}, fieldsOf(err), name)
		assert.NotContains(t, crm.ErrorMessage(err), "taken", name)
	}
	_, err := w.svc.UpdateUser(w.ctxP1, w.P1.ID, crm.UserInput{Email: crm.Some("pat@elsewhere.example")}, 0)
	requireCode(t, err, crm.EFORBIDDEN)

	u, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{Username: crm.Some("SAM"), Email: crm.Some("sam@epic.example"),
		FirstName: crm.Some("Samuel")}, 0)
	require.NoError(t, err, "sending back one's own username and email (a full form) is no change")
	assert.Equal(t, "sam", u.Username)
	assert.Equal(t, "Samuel", u.FirstName)

	u, err = w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{Username: crm.Some("samuel"), Email: crm.Some("samuel@epic.example")}, 0)
	require.NoError(t, err, "management changes them")
	assert.Equal(t, "samuel", u.Username)
	u, err = w.svc.UpdateUser(w.ctxM, w.M.ID, crm.UserInput{Email: crm.Some("chief@epic.example")}, 0)
	require.NoError(t, err, "management changes their own email too")
	assert.Equal(t, "chief@epic.example", u.Email)
}

// Usernames are stored in their RFC 8265 UsernameCaseMapped form, and a username that looks the
// same as another one (Unicode TS #39) is a duplicate.
func TestUsernamesAreCanonicalAndLookAlikesAreDuplicates(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	create := func(username, email string) (*crm.User, error) {
		return w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some(username), Email: crm.Some(email),
			Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	}
	u, err := create("Zoé.B", "zoe@epic.example")
	require.NoError(t, err)
	assert.Equal(t, "zoé.b", u.Username, "a username is stored lower-cased")
	u, err = create("ｊｏｈｎ", "john@epic.example")
	require.NoError(t, err)
	assert.Equal(t, "john", u.Username, "full-width letters are narrowed")
	u, err = create("jose\u0301", "jose@epic.example")
	require.NoError(t, err)
	assert.Equal(t, "jos\u00e9", u.Username, "a username is stored in NFC")

	for _, name := range []string{"SAM", "ｓａｍ", "\u0455am", "s\u0430m", "jos\u00e9", "ZOÉ.B"} {
		_, err := create(name, "new@epic.example")
		requireCode(t, err, crm.ECONFLICT)
		assert.Equal(t, []string{"username"}, fieldsOf(err), name)
	}
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Username: crm.Some("\u0455am")}, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Equal(t, []string{"username"}, fieldsOf(err), "a rename to a look-alike is a duplicate")

	_, err = create("ann!", "ann@epic.example")
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, "must be 1 to 150 letters, digits and @ . + - _", crm.ErrorFields(err)[0].Message,
		"a name the profile accepts but Django's rule refuses")
	for _, name := range []string{"ann\u202e", "a\u200bnn", "ann lee", "ann\u2066", "\ufeffann", "ann♥"} {
		_, err := create(name, "ann@epic.example")
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"username"}, fieldsOf(err), "%q", name)
		assert.Contains(t, crm.ErrorFields(err)[0].Message, "not a valid username", "%q", name)
	}
}

// Emails are unique in one canonical form: NFKC and case folding.
func TestEmailsAreComparedCanonically(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("jose"), Email: crm.Some("jos\u00e9@x.test"),
		Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	require.NoError(t, err)
	for _, email := range []string{"jose\u0301@x.test", "JOSÉ@X.TEST", "ｊｏｓé@x.test", "ｓam@epic.example"} {
		_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("other"), Email: crm.Some(email),
			Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
		requireCode(t, err, crm.ECONFLICT)
		assert.Equal(t, []string{"email"}, fieldsOf(err), "%q", email)
	}
}

// Invisible format characters (bidirectional overrides, zero-width characters) are refused in
// every text field, naming it.
func TestInvisibleFormatCharactersAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, bad := range []string{"\u202e", "\u200b", "\u200f", "\u2066", "\u2069", "\ufeff"} {
		_, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Name: crm.Some("Gala" + bad + "Night"),
			Location: crm.Some("Paris" + bad), Notes: crm.Some("note" + bad)}, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"location", "name", "notes"}, fieldsOf(err), "%q", bad)

		_, err = w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{FirstName: crm.Some("K" + bad), LastName: crm.Some(bad + "C"),
			Company: crm.Some("Co" + bad), Email: crm.Some("k" + bad + "@x.example")}, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"company", "email", "first_name", "last_name"}, fieldsOf(err), "%q", bad)

		_, err = w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{FirstName: crm.Some("S" + bad), LastName: crm.Some(bad)}, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"first_name", "last_name"}, fieldsOf(err), "%q", bad)
		_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Email: crm.Some("sue" + bad + "@epic.example")}, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"email"}, fieldsOf(err), "%q", bad)

		_, _, err = w.svc.ListClients(w.ctxM, crm.ClientFilter{Q: "a" + bad})
		requireCode(t, err, crm.EMALFORMED)
	}
	e, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Name: crm.Some("Gala de l'été – 2027 🎉")}, 0)
	require.NoError(t, err, "visible Unicode is fine")
	assert.Equal(t, "Gala de l'été – 2027 🎉", e.Name)
}

// A login names the account in any case or width; an account stored before usernames were
// canonical logs in with its name as stored. An unknown name is refused like a wrong password.
func TestLoginResolvesTheCanonicalUsername(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, typed := range []string{"sam", "SAM", "Sam", "ｓａｍ", " sam "} {
		u, err := w.svc.Authenticate(ctx, typed, goodPassword, "10.0.0.1")
		require.NoError(t, err, "%q", typed)
		assert.Equal(t, w.S1.ID, u.ID, "%q", typed)
	}
	_, err := w.svc.Authenticate(ctx, "\u0455am", goodPassword, "10.0.0.1")
	requireCode(t, err, crm.EUNAUTHORIZED)
	_, wrong := w.svc.Authenticate(ctx, "sam", "wrong-password", "10.0.0.1")
	assert.Equal(t, crm.ErrorMessage(wrong), crm.ErrorMessage(err), "a look-alike is an unknown user, told apart from nothing")

	legacy := &crm.User{Username: "Old.Timer", Email: "old@epic.example", Role: crm.RoleSales, IsActive: true,
		PasswordHash: "h1:" + goodPassword, AuthVersion: 1}
	require.NoError(t, w.store.CreateUser(ctx, legacy, nil))
	u, err := w.svc.Authenticate(ctx, "Old.Timer", goodPassword, "10.0.0.1")
	require.NoError(t, err, "a username stored before canonical forms still logs in as stored")
	assert.Equal(t, legacy.ID, u.ID)

	u, err = w.svc.UpdateUser(crm.NewContext(ctx, u), u.ID, crm.UserInput{FirstName: crm.Some("Olga")}, 0)
	require.NoError(t, err)
	assert.Equal(t, "old.timer", u.Username, "the next write stores the canonical form")
	_, err = w.svc.Authenticate(ctx, "OLD.TIMER", goodPassword, "10.0.0.1")
	assert.NoError(t, err)
}

// The audit log records who acted as they were at that moment: renaming a user later does not
// rewrite their past entries.
func TestAuditKeepsTheActorAsTheyWere(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{Company: crm.Some("Cooler Startup")}, 0)
	require.NoError(t, err)
	renamed, err := w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{Username: crm.Some("ada.m"),
		FirstName: crm.Some("Ada"), LastName: crm.Some("Moreau")}, 0)
	require.NoError(t, err)
	_, err = w.svc.UpdateClient(crm.NewContext(context.Background(), renamed), w.C1.ID, crm.ClientInput{Company: crm.Some("Coolest")}, 0)
	require.NoError(t, err)

	entries, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: crm.ResourceClient, ResourceID: w.C1.ID})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), 3)
	before, after := entries[len(entries)-2], entries[len(entries)-1]
	assert.Equal(t, [2]string{"sam", "Sam"}, [2]string{before.ActorUsername, before.ActorName}, "the entry before the rename")
	assert.Equal(t, [2]string{"ada.m", "Ada Moreau"}, [2]string{after.ActorUsername, after.ActorName}, "the entry after it")
	assert.Equal(t, w.S1.ID, after.ActorID)

	users, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{Resource: crm.ResourceUser, ResourceID: w.M.ID})
	require.NoError(t, err)
	require.NotEmpty(t, users)
	assert.Equal(t, int64(0), users[0].ActorID, "the first account is created by the system")
	assert.Empty(t, users[0].ActorUsername)
	assert.Empty(t, users[0].ActorName)
}
