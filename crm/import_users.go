package crm

import (
	"context"
	"strings"
)

// userImport is the import of users: the other columns an export of users writes (id,
// date_joined, last_login) are ignored. A username may appear once in a file, as an email.
var userImport = &importKind{
	noun:    "user",
	columns: []string{"username", "email", "first_name", "last_name", "role", "is_active", "password"},
	ignored: []string{"id", "date_joined", "last_login"},
	needed:  []string{"username", "email"},
	// A password is taken as typed: spaces and a leading quote are part of it.
	verbatim: []string{"password"},
	unique:   []uniqueColumn{{name: "username", code: ImportRepeatedUsername, key: usernameKey}},
	prepare:  (*Service).hashImportPasswords,
	row:      (*Service).importUser,
}

// usernameKey compares usernames as the stores do: by their canonical form when they have one.
func usernameKey(name string) string {
	if canon, err := CanonicalUsername(strings.TrimSpace(name)); err == nil {
		return canon
	}
	return strings.TrimSpace(name)
}

// dryRunHash stands for the hash of a password in a dry run, whose writes are rolled back: the
// password is vetted, never hashed.
const dryRunHash = "!dry-run: not hashed"

// ImportUsers reads a CSV file of users (the file rules of ImportClients) and creates or
// updates one user per row, matching an existing user by email (ignoring case) among those the
// caller may read. Only a caller who may create users may import them (management, by the
// default policy): anyone else gets EFORBIDDEN and nothing is read. Each row goes through
// CreateUser or UpdateUser, so it is checked and audited as a single write by the importer is.
//
// Columns: username and email are required; first_name, last_name, role (any case),
// is_active (true or false) and password are optional; the password cell is taken as it is,
// spaces and quotes included. An empty role or is_active cell keeps the user's value (a new
// user needs a role, and is active). The password sets the password of a new user only, under
// the password rules, and is never shown or logged: a new user without one, and a password for
// a user who exists (who changes their own), are refused. A row may not change the importer's
// own role nor deactivate them. All rows are applied in one transaction or none, and dryRun
// only reports, as for ImportClients. The passwords of new users are hashed before the
// transaction, so that the slow hashing holds no lock; a dry run vets them without hashing.
func (s *Service) ImportUsers(ctx context.Context, data []byte, dryRun bool) (*ImportReport, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.allowed(a, ResourceUser, ActionCreate) {
		return nil, Errorf(EFORBIDDEN, "you may not create users, so you may not import them")
	}
	return s.runImport(ctx, data, dryRun, userImport)
}

// userRow reads the cells of a user row into a UserInput, with the problems of cells that
// cannot be read.
func userRow(r importRecord) (UserInput, rowProblems) {
	var in UserInput
	var probs rowProblems
	for _, f := range []struct {
		col string
		dst *Opt[string]
	}{{"username", &in.Username}, {"email", &in.Email}, {"first_name", &in.FirstName}, {"last_name", &in.LastName}} {
		if v, ok := r.cells[f.col]; ok {
			*f.dst = Some(v)
		}
	}
	if v := r.cells["role"]; v != "" {
		in.Role = Some(Role(strings.ToLower(v)))
	}
	if v := r.cells["is_active"]; v != "" {
		switch strings.ToLower(v) {
		case "true", "yes", "1":
			in.IsActive = Some(true)
		case "false", "no", "0":
			in.IsActive = Some(false)
		default:
			probs = append(probs, ImportError{Field: "is_active", Code: string(FieldInvalidValue), Message: "must be true or false"})
		}
	}
	if v := r.cells["password"]; v != "" {
		in.Password = Some(v)
	}
	return in, probs
}

// hashImportPasswords vets and hashes, before the import's transaction, the password of each
// row that will create a user (none for a dry run, whose rows get dryRunHash instead). A
// password that the rules refuse is left for the row's CreateUser to report.
func (s *Service) hashImportPasswords(ctx context.Context, rows []importRecord, rep *ImportReport, dryRun bool) error {
	for i := range rows {
		r := &rows[i]
		if r.cells["password"] == "" || rep.hasError(r.line) {
			continue
		}
		if dryRun {
			r.hash = dryRunHash
			continue
		}
		existing, err := s.userByEmail(ctx, r.cells["email"])
		if err != nil {
			return err
		}
		if existing != nil {
			continue
		}
		in, _ := userRow(*r)
		probe := &User{IsActive: true}
		in.apply(probe, new(fieldErrors))
		if r.hash, err = s.hashPassword(ctx, probe, in.Password.Value, new(fieldErrors)); err != nil {
			return err
		}
	}
	return nil
}

// importUser creates or updates the user of one row.
func (s *Service) importUser(ctx context.Context, r importRecord) (ImportRow, error) {
	a, err := actor(ctx)
	if err != nil {
		return ImportRow{}, err
	}
	email := r.cells["email"]
	in, probs := userRow(r)
	existing, err := s.userByEmail(ctx, email)
	if err != nil {
		return ImportRow{}, err
	}
	target := &User{IsActive: true}
	switch {
	case existing == nil && !in.Password.Set:
		probs = append(probs, ImportError{Field: "password", Code: ImportNewUserPassword,
			Message: "a new user needs a password: fill this row's password cell (it is used only to create the user, and never shown)"})
	case existing != nil:
		target = existing
		if in.Password.Set {
			probs = append(probs, ImportError{Field: "password", Code: ImportUserPassword,
				Message: "this user exists: an import sets the password of a new user only; leave the cell empty (users change their own password)"})
		}
		if existing.ID == a.ID && in.Role.Set && in.Role.Value != existing.Role {
			probs = append(probs, ImportError{Field: "role", Code: ImportOwnRole,
				Message: "this row is your own account: you may not change your own role; leave the cell as it is"})
		}
		if existing.ID == a.ID && in.IsActive.Set && !in.IsActive.Value && existing.IsActive {
			probs = append(probs, ImportError{Field: "is_active", Code: ImportOwnDeactivation,
				Message: "this row is your own account: you may not deactivate yourself; set it to true"})
		}
	}
	if len(probs) > 0 {
		// Report with them what else is wrong with the row, writing nothing.
		var fe fieldErrors
		probe := *target
		in.apply(&probe, &fe)
		for _, p := range fieldProblems(fe) {
			if !probs.has(p.Field) {
				probs = append(probs, p)
			}
		}
		return ImportRow{}, probs
	}
	return importWrite(r, existing, func(u *User) (int64, int64) { return u.ID, u.Version },
		func() (*User, error) { return s.createUserHashed(ctx, in, r.hash) },
		func() (*User, error) { return s.UpdateUser(ctx, existing.ID, in, 0) })
}

// has reports whether one of the problems is about field.
func (p rowProblems) has(field string) bool {
	for _, e := range p {
		if e.Field == field {
			return true
		}
	}
	return false
}

// userByEmail returns the user the caller may read whose email is email ignoring case, or nil.
// The stores keep emails unique by EmailKey, so there is at most one.
func (s *Service) userByEmail(ctx context.Context, email string) (*User, error) {
	if !validEmail(email) {
		return nil, nil // CreateUser says what is wrong with it
	}
	list, _, err := s.ListUsers(ctx, UserFilter{Email: email, ListOptions: ListOptions{Limit: MaxLimit}})
	if err != nil {
		return nil, err
	}
	key := EmailKey(email)
	for _, u := range list {
		if EmailKey(u.Email) == key {
			return u, nil
		}
	}
	return nil, nil
}
