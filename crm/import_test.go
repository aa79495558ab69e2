package crm_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// userByEmail returns the user of the fake store with email, or nil.
func (w *world) userByEmail(email string) *crm.User {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	for _, u := range w.store.users {
		if crm.EmailKey(u.Email) == crm.EmailKey(email) {
			c := *u
			return &c
		}
	}
	return nil
}

// problems returns the report's problems as "line N field code" strings.
func problems(rep *crm.ImportReport) []string {
	out := make([]string, 0, len(rep.Errors))
	for _, e := range rep.Errors {
		out = append(out, strings.Join(strings.Fields(itoa(int64(e.Line))+" "+e.Field+" "+e.Code), " "))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestImportUsers checks a good file of users: a dry run says what each row would do and
// writes nothing (not even a hash); the import creates, updates and leaves alone, each write
// audited as the importer's, the new user's password hashed and never in the report.
func TestImportUsers(t *testing.T) {
	w := newWorld(t)
	file := "\uFEFFusername,Email,first_name,last_name,role,is_active,password\r\n" +
		"sam,SAM@epic.example,Samuel,Sales,sales,,\r\n" + // S1: names changed
		"pat,pat@epic.example,Pat,,SUPPORT,true,\r\n" + // P1 as it is (role in capitals)
		"nina,nina@epic.example,Nina,New,Management,,Velvet-Harbor-91\r\n" + // created
		"otto,otto@epic.example,Otto,Off,sales,false,Quiet-Meadow-42\r\n" // created inactive
	audit := len(w.store.audit)
	rep, err := w.svc.ImportUsers(w.ctxM, []byte(file), true)
	require.NoError(t, err)
	assert.True(t, rep.DryRun)
	assert.False(t, rep.Applied)
	assert.Empty(t, rep.Errors)
	assert.Equal(t, []crm.ImportRow{
		{Line: 2, Email: "SAM@epic.example", Action: crm.ImportUpdate, ID: w.S1.ID},
		{Line: 3, Email: "pat@epic.example", Action: crm.ImportUnchanged, ID: w.P1.ID},
		{Line: 4, Email: "nina@epic.example", Action: crm.ImportCreate},
		{Line: 5, Email: "otto@epic.example", Action: crm.ImportCreate},
	}, rep.Results)
	assert.Equal(t, "4 rows: 2 would be created, 1 would be updated, 1 unchanged, 0 refused", rep.Summary())
	assert.Len(t, w.store.audit, audit, "a dry run writes nothing")
	assert.Nil(t, w.userByEmail("nina@epic.example"))

	rep, err = w.svc.ImportUsers(w.ctxM, []byte(file), false)
	require.NoError(t, err)
	assert.True(t, rep.Applied)
	assert.Equal(t, 2, rep.Created)
	assert.Equal(t, 1, rep.Updated)
	assert.Equal(t, 1, rep.Unchanged)
	nina := w.userByEmail("nina@epic.example")
	require.NotNil(t, nina)
	assert.Equal(t, crm.RoleManagement, nina.Role)
	assert.True(t, nina.IsActive)
	assert.Equal(t, "h1:Velvet-Harbor-91", nina.PasswordHash, "the password is hashed (once, before the transaction)")
	otto := w.userByEmail("otto@epic.example")
	require.NotNil(t, otto)
	assert.False(t, otto.IsActive)
	sam := w.userByEmail("sam@epic.example")
	assert.Equal(t, "Samuel", sam.FirstName)
	assert.Equal(t, w.S1.PasswordHash, sam.PasswordHash)
	entries := w.store.audit[audit:]
	require.Len(t, entries, 3, "one entry per created or updated user")
	for _, e := range entries {
		assert.Equal(t, w.M.ID, e.ActorID)
		assert.Equal(t, crm.ResourceUser, e.Resource)
		assert.NotContains(t, e.Changes, "password")
	}
	body, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.NotContains(t, string(body), "Velvet-Harbor-91")

	// The same file again: the new users are matched by email, and their passwords refused.
	_, err = w.svc.ImportUsers(w.ctxM, []byte(file), false)
	requireCode(t, err, crm.EINVALID)
	assert.NotContains(t, err.Error(), "Velvet-Harbor-91")
}

// TestImportUsersExportRoundTrip imports the columns of an export of users (id, date_joined,
// last_login ignored): every user is as the file says.
func TestImportUsersExportRoundTrip(t *testing.T) {
	w := newWorld(t)
	file := "id,username,email,first_name,last_name,role,is_active,date_joined,last_login\n" +
		itoa(w.S1.ID) + ",sam,sam@epic.example,Sam,,sales,true,2027-03-01T09:00:00Z,\n" +
		itoa(w.M.ID) + ",boss,boss@epic.example,,,management,true,2027-03-01T09:00:00Z,2027-03-01T10:00:00Z\n"
	rep, err := w.svc.ImportUsers(w.ctxM, []byte(file), false)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Unchanged, "%+v", rep)
}

// TestImportUsersAllOrNothing checks a file with bad rows: every bad row is reported with its
// line and code, the rows without problems are not written either, nor audited.
func TestImportUsersAllOrNothing(t *testing.T) {
	w := newWorld(t)
	file := "username,email,first_name,role,is_active,password\n" +
		"ann,ann@epic.example,Ann,sales,,Velvet-Harbor-91\n" + // 2: fine
		"bob,bob@epic.example,Bob,boss,,Velvet-Harbor-91\n" + // 3: no such role
		"cat,cat@epic.example,Cat,sales,,short\n" + // 4: weak password
		"dan,dan@epic.example,Dan,support,,\n" + // 5: new user without a password
		"eve,ANN@epic.example,Eve,sales,,Velvet-Harbor-91\n" + // 6: the email of line 2
		"ANN,fay@epic.example,Fay,sales,,Velvet-Harbor-91\n" + // 7: the username of line 2
		"boss,boss@epic.example,Boss,sales,,\n" + // 8: the importer's own role
		"boss2,boss@epic.example,Boss,management,false,\n" + // 9: the importer's email again
		"sam,sam@epic.example,Sam,sales,maybe,\n" + // 10: is_active unreadable
		"pat,pat@epic.example,Pat,support,,Velvet-Harbor-91\n" + // 11: a password for a user who exists
		"sue,pia@epic.example,Sue,support,,\n" // 12: P2's email, S2's username: taken
	audit, users := len(w.store.audit), len(w.store.users)
	rep, err := w.svc.ImportUsers(w.ctxM, []byte(file), false)
	requireCode(t, err, crm.EINVALID)
	assert.False(t, rep.Applied)
	assert.ElementsMatch(t, []string{
		"3 role invalid_choice", "4 password weak_password", "5 password new_user_password",
		"6 email repeated_email", "7 username repeated_username", "8 role own_role", "9 email repeated_email",
		"10 is_active invalid_value", "11 password existing_user_password", "12 username taken",
	}, problems(rep))
	assert.Equal(t, 10, rep.Refused)
	assert.Len(t, w.store.audit, audit, "nothing audited")
	assert.Len(t, w.store.users, users, "nothing written, line 2 included")
	for _, e := range rep.Errors {
		switch e.Code {
		case crm.ImportRepeatedEmail, crm.ImportRepeatedUsername:
			first := map[int]string{6: "2", 7: "2", 9: "8"}[e.Line]
			assert.Equal(t, []string{first}, e.Args, "line %d names the first line", e.Line)
		case crm.ImportNewUserPassword, crm.ImportOwnRole, crm.ImportUserPassword:
			assert.NotEmpty(t, e.Message)
		}
		assert.NotContains(t, e.Message, "Velvet-Harbor-91")
	}
	for _, f := range crm.ErrorFields(err) {
		assert.True(t, strings.HasPrefix(f.Field, "line "), f.Field)
	}

	// Deactivating oneself, alone on its row, is refused with its own reason; a dry run says so too.
	rep, err = w.svc.ImportUsers(w.ctxM, []byte("username,email,is_active\nboss,boss@epic.example,false\n"), true)
	require.NoError(t, err)
	assert.Equal(t, []string{"2 is_active own_deactivation"}, problems(rep))
	assert.True(t, w.userByEmail("boss@epic.example").IsActive)
}

// TestImportUsersRefusals checks the refusals of a whole import: a caller who may not create
// users, and the file checks shared with the clients import; nothing is written.
func TestImportUsersRefusals(t *testing.T) {
	w := newWorld(t)
	audit := len(w.store.audit)
	good := "username,email,role,password\nann,ann@epic.example,sales,Velvet-Harbor-91\n"
	_, err := w.svc.ImportUsers(w.ctxS1, []byte(good), false)
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.ImportUsers(w.ctxP1, []byte(good), true)
	requireCode(t, err, crm.EFORBIDDEN)
	assert.Nil(t, w.userByEmail("ann@epic.example"))

	small := crm.New(crm.Deps{Users: w.store, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: w.store, Authorizer: w.authz, Passwords: fakePasswords{}, Now: func() time.Time { return w.now },
		Tx: w.store, ImportRows: 2})
	for _, tc := range []struct {
		name, file, want string
		args             []string
	}{
		{"latin-1", "username,email\nj\xe9r\xf4me,j@epic.example\n", "2 not_utf8", []string{"2"}},
		{"missing column", "email,role\na@epic.example,sales\n", "1 missing_column", []string{"username", "username, email"}},
		{"unknown column", "username,email,salary\na,a@epic.example,1\n", "1 unknown_column", nil},
		{"too many rows", "username,email\na,a@e.example\nb,b@e.example\nc,c@e.example\n", "0 too_many_rows", []string{"2"}},
		{"empty", "", "0 empty_file", []string{"username, email"}},
		{"no rows", "username,email\n", "0 no_rows", nil},
		{"cell count", "username,email\na\n", "2 cell_count", []string{"1", "2"}},
	} {
		rep, err := small.ImportUsers(w.ctxM, []byte(tc.file), false)
		requireCode(t, err, crm.EINVALID)
		require.NotEmpty(t, rep.Errors, tc.name)
		assert.Equal(t, tc.want, problems(rep)[0], tc.name)
		if tc.args != nil {
			assert.Equal(t, tc.args, rep.Errors[0].Args, tc.name)
		}
	}
	assert.Len(t, w.store.audit, audit)
}

// TestImportClientsCodes checks that the problems of a clients import carry their codes: the
// field codes of a refused create, and the import's own for a repeated email.
func TestImportClientsCodes(t *testing.T) {
	w := newWorld(t)
	file := "email,first_name,last_name,sales_contact_id\n" +
		"a@x.example,,A,\n" + "not-an-email,B,B,\n" + "a@X.example,C,C,\n" + "d@x.example,D,D,abc\n"
	rep, err := w.svc.ImportClients(w.ctxS1, []byte(file), false)
	requireCode(t, err, crm.EINVALID)
	assert.ElementsMatch(t, []string{"2 first_name required", "3 email invalid_email", "4 email repeated_email",
		"5 sales_contact_id invalid_value"}, problems(rep))
	_, err = w.svc.ImportClients(w.ctxP1, []byte(file), false)
	requireCode(t, err, crm.EFORBIDDEN)
}

// watchedPasswords are fakePasswords that record, for each hash, whether the store was in a
// transaction then.
type watchedPasswords struct {
	fakePasswords
	store  *memStore
	inTx   []bool
	hashes []string
}

func (p *watchedPasswords) Hash(pw string) (string, error) {
	p.store.mu.Lock()
	p.inTx = append(p.inTx, p.store.inTx)
	p.store.mu.Unlock()
	h, err := p.fakePasswords.Hash(pw)
	p.hashes = append(p.hashes, h)
	return h, err
}

// TestImportUsersHashing checks that a dry run hashes no password, and that an import hashes
// each new user's password once, before its transaction (hashing is slow on purpose and must
// hold no lock), the password taken as typed, spaces and a leading quote included.
func TestImportUsersHashing(t *testing.T) {
	w := newWorld(t)
	pw := &watchedPasswords{store: w.store}
	svc := crm.New(crm.Deps{Users: w.store, Clients: w.store, Contracts: w.store, Events: w.store, Audit: w.store,
		Throttle: w.store, Authorizer: w.authz, Passwords: pw, Now: func() time.Time { return w.now }, Tx: w.store})
	file := "username,email,role,password\n" +
		"ann,ann@epic.example,sales,\" Spaced Pass 9 \"\n" +
		"bob,bob@epic.example,support,'=Formula-Pass-1\n" +
		"sam,sam@epic.example,sales,\n" // an update: nothing to hash
	rep, err := svc.ImportUsers(w.ctxM, []byte(file), true)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Created)
	assert.Empty(t, pw.inTx, "a dry run hashes nothing")

	rep, err = svc.ImportUsers(w.ctxM, []byte(file), false)
	require.NoError(t, err)
	assert.True(t, rep.Applied)
	assert.Equal(t, []bool{false, false}, pw.inTx, "each password hashed once, outside the transaction")
	assert.Equal(t, "h1: Spaced Pass 9 ", w.userByEmail("ann@epic.example").PasswordHash)
	assert.Equal(t, "h1:'=Formula-Pass-1", w.userByEmail("bob@epic.example").PasswordHash)
}
