package crm

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User is a member of one of the three teams.
type User struct {
	ID         int64      `json:"id"`
	Username   string     `json:"username"`
	Email      string     `json:"email"`
	FirstName  string     `json:"first_name"`
	LastName   string     `json:"last_name"`
	Role       Role       `json:"role"`
	IsActive   bool       `json:"is_active"`
	DateJoined time.Time  `json:"date_joined"`
	LastLogin  *time.Time `json:"last_login"`

	// PasswordHash is the encoded password hash; it never leaves the server.
	PasswordHash string `json:"-"`
	// Version counts the writes of the record; it is the record's ETag.
	Version int64 `json:"-"`
	// AuthVersion changes whenever the user's credentials or rights change (password, role,
	// deactivation). Sessions and tokens carry the value they were issued under and stop working
	// when it no longer matches.
	AuthVersion int64 `json:"-"`
	// Kind tells a person from the service account of an API key (see KindService).
	Kind UserKind `json:"kind"`
}

// FullName returns "First Last", or the username when both names are empty.
func (u *User) FullName() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

// UserInput holds the fields of a user that a caller sets, on create and on update. Unset
// fields keep their current (or default) value.
type UserInput struct {
	Username  Opt[string] `json:"username"`
	Email     Opt[string] `json:"email"`
	FirstName Opt[string] `json:"first_name"`
	LastName  Opt[string] `json:"last_name"`
	Role      Opt[Role]   `json:"role"`
	IsActive  Opt[bool]   `json:"is_active"`
	Password  Opt[string] `json:"password"`
}

// UserFilter narrows a list of users. Text fields match case-insensitively anywhere in the value.
type UserFilter struct {
	Q         string // username, email, first or last name
	Username  string
	Email     string
	FirstName string
	LastName  string
	Role      Role
	IsActive  *bool
	ListOptions
}

// UserSortable lists the fields a list of users can be sorted by.
var UserSortable = []string{"id", "username", "email", "first_name", "last_name", "role", "date_joined"}

// UserStore keeps users.
type UserStore interface {
	// CreateUser inserts u, setting its ID and Version, and writes the audit entries (their
	// ResourceID set to the new ID) in the same transaction. Returns ECONFLICT if another user
	// has the username or one with the same UsernameSkeleton (the error's Fields then name
	// "username"), or an email with the same EmailKey (Fields name "email").
	CreateUser(ctx context.Context, u *User, audit []AuditEntry) error
	// FindUser returns the user with id if it is within vis, ENOTFOUND otherwise.
	FindUser(ctx context.Context, id int64, vis Visibility) (*User, error)
	// FindUsers returns the users among ids that are within vis, in id order: one read for
	// many ids, e.g. the contacts shown in a list. Ids of no user, or of one outside vis, are
	// left out.
	FindUsers(ctx context.Context, ids []int64, vis Visibility) ([]*User, error)
	// FindContacts returns the users among ids who are the sales or support contact of a client,
	// contract or event within acc (each resource's records within its own Visibility), in id
	// order.
	FindContacts(ctx context.Context, ids []int64, acc Access) ([]*User, error)
	// FindUserByUsername returns the user with exactly that username (stored usernames are
	// canonical: the caller canonicalizes what it looks up), or ENOTFOUND.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// ListUsers returns one page of the users within acc.Users that match f, and the cursor of
	// the next page ("" on the last). A filter or sort on another resource's fields reaches only
	// that resource's records within acc (see Access). Returns EMALFORMED for a bad cursor.
	ListUsers(ctx context.Context, f UserFilter, acc Access) ([]*User, string, error)
	// CountUsers returns how many users ListUsers returns for f and acc over all its pages. It
	// ignores the paging and sort options of f.
	CountUsers(ctx context.Context, f UserFilter, acc Access) (int, error)
	// RecordLogin sets the user's last login time and, when rehash is not "", replaces the
	// password hash, without changing the record's Version (a login is not an edit). Returns
	// ENOTFOUND for an unknown id.
	RecordLogin(ctx context.Context, id int64, at time.Time, rehash string) error
	// UpdateUser locks the user with id if it is within ws.Read (ENOTFOUND otherwise) and, if it is
	// within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn
	// with it. If fn returns an error nothing is written; otherwise the changed user (its Version
	// incremented) and the audit entries fn returned commit in one transaction. Returns ECONFLICT
	// for a taken username or email, naming the field as CreateUser does.
	UpdateUser(ctx context.Context, id int64, ws WriteScope, fn func(*User) ([]AuditEntry, error)) (*User, error)
	// DeleteUser locks the user with id if it is within ws.Read (ENOTFOUND otherwise) and, if it is
	// within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn, and
	// deletes the user and writes the audit entries in one transaction. Returns ECONFLICT while
	// the user is still the sales or support contact of a client, contract or event.
	DeleteUser(ctx context.Context, id int64, ws WriteScope, fn func(*User) ([]AuditEntry, error)) error
}

// Field length limits shared by the entities.
const (
	maxNameLen  = 150
	maxEmailLen = 254
)

// checkEmail records in fe an email that is missing (required) or not an address (invalid_email).
func checkEmail(fe *fieldErrors, email string) {
	const msg = "required: a valid email address such as ann@example.com"
	if email == "" {
		fe.add("email", FieldRequired, msg)
	} else if !validEmail(email) {
		fe.add("email", FieldInvalidEmail, msg)
	}
}

// validEmail reports whether s is a bare address such as ann@example.com. net/mail lets any
// non-ASCII character through, so control characters (U+0085) and spaces (U+00A0) are refused
// here.
func validEmail(s string) bool {
	if len(s) > maxEmailLen || strings.ContainsAny(s, "<>\"") || !cleanText(s, false) || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// validUsername follows Django: 1 to 150 letters, digits and @ . + - _.
func validUsername(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxNameLen {
		return false
	}
	for _, r := range s {
		if !(r == '@' || r == '.' || r == '+' || r == '-' || r == '_' || r >= '0' && r <= '9' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

// apply sets the given fields of in on u, collecting every invalid one. The username is stored
// in its canonical form (see CanonicalUsername): a username the caller sends is canonicalized or
// refused, and one stored before usernames were canonical is canonicalized on the user's next
// write (or kept as it is, if the profile refuses it).
func (in *UserInput) apply(u *User, fe *fieldErrors) {
	badUsername := false
	if in.Username.Set {
		u.Username = strings.TrimSpace(in.Username.Value)
	}
	if name, err := CanonicalUsername(u.Username); err == nil {
		u.Username = name
	} else if in.Username.Set && u.Username != "" {
		badUsername = true
	}
	if in.Email.Set {
		u.Email = strings.TrimSpace(in.Email.Value)
	}
	if in.FirstName.Set {
		u.FirstName = strings.TrimSpace(in.FirstName.Value)
	}
	if in.LastName.Set {
		u.LastName = strings.TrimSpace(in.LastName.Value)
	}
	if in.Role.Set {
		u.Role = in.Role.Value
	}
	if in.IsActive.Set {
		u.IsActive = in.IsActive.Value
	}
	switch {
	case badUsername:
		fe.add("username", FieldInvalidUsername, "is not a valid username: use 1 to 150 letters, digits and @ . + - _, "+
			"without spaces, symbols, invisible characters or mixed writing directions")
	case u.Username == "":
		fe.add("username", FieldRequired, "required: 1 to 150 letters, digits and @ . + - _")
	case !validUsername(u.Username):
		fe.add("username", FieldInvalidUsername, "must be 1 to 150 letters, digits and @ . + - _")
	}
	checkEmail(fe, u.Email)
	checkText(fe, "email", u.Email, false)
	checkLen(fe, "first_name", u.FirstName, maxNameLen)
	checkLen(fe, "last_name", u.LastName, maxNameLen)
	checkText(fe, "first_name", u.FirstName, false)
	checkText(fe, "last_name", u.LastName, false)
	if !u.Role.Valid() {
		fe.add("role", FieldInvalidChoice, "required: management, sales or support")
	}
}

func checkLen(fe *fieldErrors, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		fe.add(field, FieldTooLong, "at most %d characters", max)
	}
}

// nameConflict turns the store's conflict on writing a user whose username is username into one
// that names the field taken, so that a form can show it next to that field: the username when
// the store names it (another user has it, or one that looks the same), the email otherwise.
func nameConflict(err error, username string) error {
	if ErrorCode(err) != ECONFLICT {
		return err
	}
	for _, f := range ErrorFields(err) {
		if f.Field == "username" {
			return Errorf(ECONFLICT, "the username %s is taken, or looks the same as one that is: choose another", username).
				withFields(FieldError{Field: "username", Code: FieldTaken, Message: "is already taken"}).causedBy(err)
		}
	}
	return &Error{Code: ECONFLICT, Err: err, Message: "another user already has this email address",
		Fields: []FieldError{{Field: "email", Code: FieldTaken, Message: "is already in use by another user"}}}
}

// sameUsername reports whether a username sent for a user is the one they have, as typed or in
// its canonical form: sending back one's own username is no attempt to change it.
func sameUsername(sent, current string) bool {
	sent = strings.TrimSpace(sent)
	name, err := CanonicalUsername(sent)
	return sent == current || err == nil && name == current
}

// userByLogin returns the account a typed username names: the one whose username is the typed
// name's canonical form (so any case or width logs in), or, for an account stored before
// usernames were canonical, the one named exactly as typed. It returns ENOTFOUND for a name no
// account has.
func (s *Service) userByLogin(ctx context.Context, typed string) (*User, error) {
	typed = strings.TrimSpace(typed)
	if name, err := CanonicalUsername(typed); err == nil {
		u, err := s.users.FindUserByUsername(ctx, name)
		if ErrorCode(err) != ENOTFOUND || name == typed {
			return u, err
		}
	}
	return s.users.FindUserByUsername(ctx, typed)
}

// vetPassword reports whether the password rules accept password for u, adding their reasons
// to fe when they do not.
func (s *Service) vetPassword(u *User, password string, fe *fieldErrors) bool {
	if problems := s.passwords.Validate(password, u); len(problems) > 0 {
		weak := weakPassword("password", problems)
		if slices.ContainsFunc(*fe, func(f FieldError) bool { return f.Field == weak.Field }) {
			fe.add(weak.Field, weak.Code, "%s", weak.Message)
		} else {
			*fe = append(*fe, weak)
		}
		return false
	}
	return true
}

// hashPassword vets a new password for u and returns its hash, or "" with the reasons in fe.
// It fails (EBUSY) only when no hashing slot came free in time (see Hashing).
func (s *Service) hashPassword(ctx context.Context, u *User, password string, fe *fieldErrors) (string, error) {
	if !s.vetPassword(u, password, fe) {
		return "", nil
	}
	h, err := s.hash(ctx, password)
	if code := ErrorCode(err); code == EBUSY || code == EUNAVAILABLE {
		return "", err
	}
	if err != nil {
		fe.add("password", FieldWeakPassword, "cannot be used: %v", err)
		return "", nil
	}
	return h, nil
}

// userChanges lists the audited differences between two versions of a user.
func userChanges(old, new *User, all bool) map[string][2]any {
	c := map[string][2]any{}
	diff(c, all, "username", old.Username, new.Username)
	diff(c, all, "email", old.Email, new.Email)
	diff(c, all, "first_name", old.FirstName, new.FirstName)
	diff(c, all, "last_name", old.LastName, new.LastName)
	diff(c, all, "role", old.Role, new.Role)
	diff(c, all, "is_active", old.IsActive, new.IsActive)
	return c
}

// CreateUser creates a user. Username, email, role and a password that passes the password
// rules are required; a new user is active unless is_active says otherwise.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	return s.createUserHashed(ctx, in, "")
}

// createUserHashed is CreateUser with hash, when not "", the hash of in.Password made
// beforehand (an import hashes its passwords before its transaction): the password is still
// vetted, but not hashed again.
func (s *Service) createUserHashed(ctx context.Context, in UserInput, hash string) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.allowed(a, ResourceUser, ActionCreate) {
		return nil, Errorf(EFORBIDDEN, "you may not create users")
	}
	return s.createUser(ctx, a, in, hash)
}

// Bootstrap creates a management user without an acting user: the first account of an empty
// database (serve) or one made from the command line (createsuperuser). Its audit entry has
// actor 0, the system.
func (s *Service) Bootstrap(ctx context.Context, in UserInput) (*User, error) {
	in.Role = Some(RoleManagement)
	return s.createUser(ctx, &User{ID: 0}, in, "")
}

// HasUsers reports whether any user exists.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	users, _, err := s.users.ListUsers(ctx, UserFilter{ListOptions: ListOptions{Limit: 1, Sort: "id"}}, FullAccess)
	return len(users) > 0, err
}

func (s *Service) createUser(ctx context.Context, a *User, in UserInput, hash string) (*User, error) {
	u := &User{IsActive: true, DateJoined: s.clock()}
	var fe fieldErrors
	in.apply(u, &fe)
	switch {
	case !in.Password.Set || in.Password.Value == "":
		fe.add("password", FieldRequired, "required")
	case hash != "":
		if s.vetPassword(u, in.Password.Value, &fe) {
			u.PasswordHash = hash
		}
	default:
		h, err := s.hashPassword(ctx, u, in.Password.Value, &fe)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	u.AuthVersion = 1
	changes := userChanges(&User{}, u, true)
	if err := s.users.CreateUser(ctx, u, []AuditEntry{s.entry(a, ActionCreate, ResourceUser, 0, changes)}); err != nil {
		return nil, nameConflict(err, u.Username)
	}
	return u, nil
}

// GetUser returns a user within the caller's read scope (ENOTFOUND otherwise).
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.users.FindUser(ctx, id, s.visibility(a, ResourceUser, ActionRead))
}

// Me returns the caller's own user record, fresh from the store.
func (s *Service) Me(ctx context.Context) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.users.FindUser(ctx, a.ID, Everything)
}

// ListUsers returns a page of the users within the caller's read scope that match f.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]*User, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	if err := f.normalize(UserSortable); err != nil {
		return nil, "", err
	}
	acc := s.readAccess(a)
	if acc.Users.None() {
		return nil, "", nil
	}
	return s.users.ListUsers(ctx, f, acc)
}

// CountUsers returns how many users within the caller's read scope match f: the length of the
// whole list that ListUsers pages through, for a user interface that shows it. The paging and
// sort options of f are ignored. A caller who may read no user gets 0.
func (s *Service) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	acc := s.readAccess(a)
	if acc.Users.None() {
		return 0, nil
	}
	f.ListOptions = ListOptions{}
	return s.users.CountUsers(ctx, f, acc)
}

// check refuses a filter value that names no role (EMALFORMED).
func (f *UserFilter) check() error {
	if err := checkFilterText("q", f.Q, "username", f.Username, "email", f.Email, "first_name", f.FirstName, "last_name", f.LastName); err != nil {
		return err
	}
	if f.Role != "" && !f.Role.Valid() {
		return Errorf(EMALFORMED, "unknown role %s", f.Role).
			withFields(FieldError{Field: "role", Code: FieldInvalidChoice, Message: "must be management, sales or support"})
	}
	return nil
}

// UpdateUser changes the given fields of a user. Username and email may only be changed by a
// caller who may update any user (management): others change their own first and last names,
// and get EFORBIDDEN naming the field for the rest, before any check that could tell them
// whether a name is taken. Role, activity and another user's password may only be changed by
// management, and never on their own record: a user changes their own password with
// ChangePassword. A change of role, activity or password ends the user's sessions and tokens.
// ifVersion, when not 0, must be the record's current version (EPRECONDITION otherwise).
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserInput, ifVersion int64) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	ws := s.writeScope(a, ResourceUser, ActionUpdate)
	anyUser := ws.Write.Any
	manager := anyUser && id != a.ID
	// A new password is vetted and hashed before the write's transaction: hashing is slow on
	// purpose, and must not hold a lock (SQLite has one writer). Only then is the record read
	// before the transaction, for the validators that compare the password with the user's names.
	var pwErrs fieldErrors
	newHash := ""
	if in.Password.Set && manager {
		current, err := s.users.FindUser(ctx, id, ws.Read)
		if err != nil {
			return nil, err
		}
		probe := *current
		in.apply(&probe, new(fieldErrors))
		if newHash, err = s.hashPassword(ctx, &probe, in.Password.Value, &pwErrs); err != nil {
			return nil, err
		}
	}
	var unchanged User
	username := ""
	u, err := s.users.UpdateUser(ctx, id, ws, func(u *User) ([]AuditEntry, error) {
		username = u.Username
		if err := checkVersion(ifVersion, u.Version); err != nil {
			return nil, err
		}
		old := *u
		if in.Role.Set && in.Role.Value != u.Role && !manager {
			return nil, forbiddenField("role", whyRole)
		}
		if in.IsActive.Set && in.IsActive.Value != u.IsActive && !manager {
			return nil, forbiddenField("is_active", whyActive)
		}
		if in.Password.Set && !manager {
			return nil, forbiddenField("password", whyPassword)
		}
		if in.Password.Set && u.Kind == KindService {
			return nil, forbiddenField("password", whyServicePassword)
		}
		if in.Username.Set && !anyUser && !sameUsername(in.Username.Value, u.Username) {
			return nil, forbiddenField("username", whyUsername)
		}
		if in.Email.Set && !anyUser && strings.TrimSpace(in.Email.Value) != u.Email {
			return nil, forbiddenField("email", whyEmail)
		}
		fe := append(fieldErrors(nil), pwErrs...)
		in.apply(u, &fe)
		if err := fe.err(); err != nil {
			return nil, err
		}
		if newHash != "" {
			u.PasswordHash = newHash
		}
		if u.Role != old.Role || u.IsActive != old.IsActive || u.PasswordHash != old.PasswordHash {
			u.AuthVersion++
		}
		changes := userChanges(&old, u, false)
		if u.PasswordHash != old.PasswordHash {
			changes["password"] = [2]any{"(hidden)", "(changed)"}
		}
		if len(changes) == 0 {
			unchanged = old
			return nil, errUnchanged
		}
		return []AuditEntry{s.entry(a, ActionUpdate, ResourceUser, id, changes)}, nil
	})
	if errors.Is(err, errUnchanged) {
		return &unchanged, nil
	}
	if in.Username.Set {
		username = strings.TrimSpace(in.Username.Value)
	}
	if name, cerr := CanonicalUsername(username); cerr == nil {
		username = name
	}
	return u, forbiddenWrite(nameConflict(err, username), "you may not change this user")
}

// DeleteUser deletes a user. It is refused (ECONFLICT) while the user is still the sales or
// support contact of any record: deactivate them, or reassign their records first. Nobody
// deletes their own account.
func (s *Service) DeleteUser(ctx context.Context, id int64, ifVersion int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.users.DeleteUser(ctx, id, s.writeScope(a, ResourceUser, ActionDelete), func(u *User) ([]AuditEntry, error) {
		if id == a.ID {
			return nil, Errorf(EFORBIDDEN, "you may not delete your own account")
		}
		if err := checkVersion(ifVersion, u.Version); err != nil {
			return nil, err
		}
		return []AuditEntry{s.entry(a, ActionDelete, ResourceUser, id, userChanges(u, &User{}, true))}, nil
	})
	if ErrorCode(err) == ECONFLICT {
		return &Error{Code: ECONFLICT, Err: err, Message: "this user is still the sales or support contact of clients, " +
			"contracts or events: deactivate the user, or reassign those records first"}
	}
	return forbiddenWrite(err, "you may not delete this user")
}

// ChangePassword changes the caller's own password after checking the current one. It ends the
// caller's other sessions and tokens; the caller must log in again.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	u, err := s.users.FindUser(ctx, a.ID, Everything)
	if err != nil {
		return err
	}
	if u.Kind == KindService {
		return forbiddenField("password", whyServicePassword)
	}
	// A wrong current password counts against the account like a failed login, so that a
	// stolen session cannot guess it without limit.
	key := accountKey(u.ID)
	att, err := s.beginAttempt(ctx, []ThrottleKey{{Key: key, Limit: s.throttling.PerAccount}})
	if err != nil {
		return err
	}
	defer att.release()
	ok, _, err := s.verify(ctx, u.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		if err := att.fail(); err != nil {
			return err
		}
		return &Error{Code: EINVALID, Message: "the current password is wrong",
			Fields: []FieldError{{Field: "current_password", Code: FieldWrongPassword, Message: "is wrong"}}}
	}
	if err := att.succeed(key); err != nil {
		return err
	}
	var fe fieldErrors
	hash := ""
	if next == current {
		fe.add("password", FieldSamePassword, "must differ from the current password")
	} else if hash, err = s.hashPassword(ctx, u, next, &fe); err != nil {
		return err
	}
	if err := fe.err(); err != nil {
		return err
	}
	_, err = s.users.UpdateUser(ctx, a.ID, EveryWrite, func(locked *User) ([]AuditEntry, error) {
		if locked.PasswordHash != u.PasswordHash {
			return nil, Errorf(EPRECONDITION, "the password was changed meanwhile: log in again")
		}
		locked.PasswordHash = hash
		locked.AuthVersion++
		return []AuditEntry{s.entry(a, ActionUpdate, ResourceUser, a.ID,
			map[string][2]any{"password": {"(hidden)", "(changed)"}})}, nil
	})
	return err
}

// ContactName returns the full name of the user with id when the caller may know it: their own,
// any user's for a caller who may read users, and otherwise only that of a user who is the sales
// or support contact of a client, contract or event the caller can read (so a support user sees
// who sells the event they run, but cannot learn the names of the whole staff). ok is false when
// the caller may not know the name, or there is no such user.
func (s *Service) ContactName(ctx context.Context, id int64) (name string, ok bool, err error) {
	a, err := actor(ctx)
	if err != nil {
		return "", false, err
	}
	known := id == a.ID || s.visibility(a, ResourceUser, ActionRead).Any
	for _, count := range []func() (int, error){
		func() (int, error) { return s.CountClients(ctx, ClientFilter{SalesContactID: &id}) },
		func() (int, error) { return s.CountContracts(ctx, ContractFilter{SalesContactID: &id}) },
		func() (int, error) { return s.CountEvents(ctx, EventFilter{SupportContactID: &id}) },
		func() (int, error) { return s.CountEvents(ctx, EventFilter{SalesContactID: &id}) },
	} {
		if known {
			break
		}
		n, err := count()
		if err != nil {
			return "", false, err
		}
		known = n > 0
	}
	if !known {
		return "", false, nil
	}
	u, err := s.users.FindUser(ctx, id, Everything)
	if ErrorCode(err) == ENOTFOUND {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return u.FullName(), true, nil
}
