package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

const userCols = `u.id, u.username, u.email, u.first_name, u.last_name, u.role, u.is_active,
	u.date_joined, u.last_login, u.password_hash, u.version, u.auth_version, u.kind`

var userConflicts = &conflicts{
	unique: crm.Textf("username or email already in use: choose another (emails are compared ignoring case, " +
		"usernames also with look-alike letters)"),
	foreignKey: crm.Textf("this user is still the sales or support contact of clients, contracts or events: " +
		"deactivate the user, or reassign those records first"),
}

func scanUser(r Row) (*crm.User, error) {
	var u crm.User
	err := r.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, (*string)(&u.Role), &u.IsActive,
		timeDest{&u.DateJoined}, nullTimeDest{&u.LastLogin}, &u.PasswordHash, &u.Version, &u.AuthVersion, (*string)(&u.Kind))
	if err != nil {
		return nil, err
	}
	return &u, nil
}

var userListing = listing[*crm.User]{
	cols:  userCols,
	table: usersTable,
	keys: map[string]sortKey[*crm.User]{
		"id":          {col: "u.id", kind: kindInt},
		"username":    {col: "u.username", kind: kindText, value: func(u *crm.User) string { return u.Username }},
		"email":       {col: "u.email", kind: kindText, value: func(u *crm.User) string { return u.Email }},
		"first_name":  {col: "u.first_name", kind: kindText, value: func(u *crm.User) string { return u.FirstName }},
		"last_name":   {col: "u.last_name", kind: kindText, value: func(u *crm.User) string { return u.LastName }},
		"role":        {col: "u.role", kind: kindText, value: func(u *crm.User) string { return string(u.Role) }},
		"date_joined": {col: "u.date_joined", kind: kindTime, value: func(u *crm.User) string { return timeKey(u.DateJoined) }},
	},
	id:   func(u *crm.User) int64 { return u.ID },
	scan: scanUser,
}

// The keys under which users are unique are computed by the application, so that both databases
// compare alike whatever their locale (SQLite's lower() folds only ASCII): email_key is
// crm.EmailKey of the email, username_skeleton crm.UsernameSkeleton of the username.

// userConflict names the field of a unique violation on writing u (id 0 for a new user) in the
// error's Fields: "username" when another user has the username or one with its skeleton,
// "email" otherwise. It runs after the failed transaction, on the read pool.
func (s *Store) userConflict(ctx context.Context, err error, u *crm.User, id int64) error {
	var ce *crm.Error
	if crm.ErrorCode(err) != crm.ECONFLICT || !errors.As(err, &ce) || len(ce.Fields) > 0 {
		return err
	}
	field := "email"
	var n int
	qerr := s.queryRow(ctx, s.db, `SELECT count(*) FROM users WHERE id <> ? AND (username = ? OR username_skeleton = ?)`,
		id, u.Username, crm.UsernameSkeleton(u.Username)).Scan(&n)
	if qerr == nil && n > 0 {
		field = "username"
	}
	out := *ce
	out.Fields = []crm.FieldError{{Field: field, Code: crm.FieldTaken, Message: "is already in use by another user"}}
	return &out
}

// CreateUser inserts u with its audit entries in one transaction, and sets u.ID and u.Version.
// Returns ECONFLICT if the username, or the email ignoring case, is taken.
func (s *Store) CreateUser(ctx context.Context, u *crm.User, audit []crm.AuditEntry) error {
	err := s.inTx(ctx, func(tx Tx) error { return s.insertUser(ctx, tx, u, audit) })
	return s.userConflict(ctx, err, u, 0)
}

// insertUser inserts u (of kind person unless u.Kind says otherwise) with its audit entries in
// tx, and sets u.ID and u.Version.
func (s *Store) insertUser(ctx context.Context, tx Tx, u *crm.User, audit []crm.AuditEntry) error {
	if u.Kind == "" {
		u.Kind = crm.KindPerson
	}
	var id int64
	args := append([]any{u.Username, crm.UsernameSkeleton(u.Username), u.Email, crm.EmailKey(u.Email), u.FirstName,
		u.LastName, string(u.Role), u.IsActive,
		s.d.time(u.DateJoined), s.d.nullTime(u.LastLogin), u.PasswordHash, u.AuthVersion}, userFolds(u)...)
	args = append(args, string(u.Kind))
	err := s.queryRow(ctx, tx, `INSERT INTO users (username, username_skeleton, email, email_key, first_name, last_name,
			role, is_active, date_joined, last_login, password_hash, version, auth_version,
			username_fold, email_fold, first_name_fold, last_name_fold, search_text, kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...,
	).Scan(&id)
	if err != nil {
		return s.fail(err, userConflicts)
	}
	u.ID, u.Version = id, 1
	sn, err := snapOf(crm.ResourceUser, nil, u)
	if err != nil {
		return err
	}
	return s.writeAudit(ctx, tx, audit, id, sn)
}

// FindUser returns the user with id if it is within vis, ENOTFOUND otherwise.
func (s *Store) FindUser(ctx context.Context, id int64, vis crm.Visibility) (*crm.User, error) {
	if s.userReads != nil {
		return s.findUser(ctx, s.userReads, id, vis, "")
	}
	return s.findUser(ctx, s.db, id, vis, "")
}

// findUser reads the user with id within vis on q, with lock appended to the query.
func (s *Store) findUser(ctx context.Context, q Querier, id int64, vis crm.Visibility, lock string) (*crm.User, error) {
	w := where{each: s.d.SupportEach}
	w.add("u.id = ?", id)
	w.visible(vis, usersTable.scope)
	u, err := scanUser(s.queryRow(ctx, q, "SELECT "+userCols+" FROM "+usersTable.from+w.sql()+lock, w.args...))
	if isNoRows(err) {
		return nil, notFound("user", id)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return u, nil
}

// FindUserByUsername returns the user with exactly that username (case matters), or ENOTFOUND.
func (s *Store) FindUserByUsername(ctx context.Context, username string) (*crm.User, error) {
	u, err := scanUser(s.queryRow(ctx, s.db, "SELECT "+userCols+" FROM users u WHERE u.username = ?", username))
	if isNoRows(err) {
		return nil, crm.Errorf(crm.ENOTFOUND, "no user named %q", username)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return u, nil
}

// ListUsers returns one page of the users within acc.Users that match f.
func (s *Store) ListUsers(ctx context.Context, f crm.UserFilter, acc crm.Access) ([]*crm.User, string, error) {
	return list(ctx, s, userListing, s.userWhere(f, acc), f.ListOptions)
}

// CountUsers returns how many users within acc.Users match f, whatever its paging and sort.
func (s *Store) CountUsers(ctx context.Context, f crm.UserFilter, acc crm.Access) (int, error) {
	return count(ctx, s, userListing, s.userWhere(f, acc))
}

// userWhere is the condition of the users within acc that match f, shared by their list and
// their count. Every filter is on the user's own columns.
func (s *Store) userWhere(f crm.UserFilter, acc crm.Access) *where {
	w := readable(usersTable, acc, false)
	w.search(s.d, userSearch, f.Q, fieldFilter{"u.username_fold", f.Username}, fieldFilter{"u.email_fold", f.Email},
		fieldFilter{"u.first_name_fold", f.FirstName}, fieldFilter{"u.last_name_fold", f.LastName})
	w.eqText("u.role", string(f.Role))
	if f.IsActive != nil {
		w.add("u.is_active = ?", *f.IsActive)
	}
	return w
}

// UpdateUser locks the user with id within ws.Read, calls fn if it is within ws.Write, and writes the changed user and the
// audit entries fn returns in one transaction. The id and date_joined never change.
func (s *Store) UpdateUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) (*crm.User, error) {
	var out, written *crm.User
	err := s.inTx(ctx, func(tx Tx) error {
		u, _, err := lockForWrite(ctx, s, tx, usersTable, "user", userCols, scanUser, id, ws, s.d.lockToUpdate("u"))
		if err != nil {
			return err
		}
		version := u.Version
		before, err := snapshot(u)
		if err != nil {
			return err
		}
		audit, err := fn(u)
		if err != nil {
			return err
		}
		written = u
		if _, err := s.exec(ctx, tx, `UPDATE users SET username = ?, username_skeleton = ?, email = ?, email_key = ?,
				first_name = ?, last_name = ?, role = ?, is_active = ?, last_login = ?, password_hash = ?, auth_version = ?,
				version = version + 1, username_fold = ?, email_fold = ?, first_name_fold = ?, last_name_fold = ?,
				search_text = ?
			WHERE id = ?`,
			append(append([]any{u.Username, crm.UsernameSkeleton(u.Username), u.Email, crm.EmailKey(u.Email), u.FirstName,
				u.LastName, string(u.Role), u.IsActive,
				s.d.nullTime(u.LastLogin), u.PasswordHash, u.AuthVersion}, userFolds(u)...), id)...); err != nil {
			return s.fail(err, userConflicts)
		}
		u.ID, u.Version = id, version+1
		after, err := snapshot(u)
		if err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, audit, id, snap{crm.ResourceUser, before, after}); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		if written != nil {
			err = s.userConflict(ctx, err, written, id)
		}
		return nil, err
	}
	return out, nil
}

// DeleteUser locks the user with id within ws.Read, calls fn if it is within ws.Write, and deletes the user with the audit
// entries in one transaction. Returns ECONFLICT while the user is a contact of any record.
func (s *Store) DeleteUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) error {
	return s.inTx(ctx, func(tx Tx) error {
		u, _, err := lockForWrite(ctx, s, tx, usersTable, "user", userCols, scanUser, id, ws, s.d.lockToDelete("u"))
		if err != nil {
			return err
		}
		sn, err := snapOf[crm.User](crm.ResourceUser, u, nil)
		if err != nil {
			return err
		}
		audit, err := fn(u)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM users WHERE id = ?", id); err != nil {
			return s.fail(err, userConflicts)
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}

// RecordLogin sets the user's last login time and, when rehash is not empty, replaces the
// password hash, without changing the record's version: a login is not an edit, so it must not
// make a manager's open form stale.
func (s *Store) RecordLogin(ctx context.Context, id int64, at time.Time, rehash string) error {
	var n int64
	var err error
	if rehash == "" {
		n, err = s.exec(ctx, s.db, "UPDATE users SET last_login = ? WHERE id = ?", s.d.time(at), id)
	} else {
		n, err = s.exec(ctx, s.db, "UPDATE users SET last_login = ?, password_hash = ? WHERE id = ?", s.d.time(at), rehash, id)
	}
	if err != nil {
		return s.fail(err, nil)
	}
	if n == 0 {
		return crm.Errorf(crm.ENOTFOUND, "user %d not found", id)
	}
	return nil
}

// RekeyUsers brings every user's uniqueness keys up to date: it computes the email key and the
// username skeleton of each user (see crm.EmailKey and crm.UsernameSkeleton) and writes those
// that differ from the stored ones. Migrations cannot compute them in SQL, so the stores run it
// after migrating up; it is idempotent, and cheap for a table of staff. A key that collides with
// another user's (two old accounts that the new rules call duplicates) is left as it was, so that
// migrating never fails on existing data; such an account keeps working, and its next write is
// refused as a duplicate until management renames one of the two. It returns how many users were
// left that way.
func (s *Store) RekeyUsers(ctx context.Context) (collisions int, err error) {
	type keys struct {
		id                        int64
		username, email, emailKey string
		skeleton                  *string
	}
	rows, err := s.query(ctx, s.db, "SELECT id, username, email, email_key, username_skeleton FROM users ORDER BY id")
	if err != nil {
		return 0, s.fail(err, nil)
	}
	var all []keys
	for rows.Next() {
		var k keys
		if err := rows.Scan(&k.id, &k.username, &k.email, &k.emailKey, &k.skeleton); err != nil {
			rows.Close()
			return 0, s.fail(err, nil)
		}
		all = append(all, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.fail(err, nil)
	}
	for _, k := range all {
		collided := false
		if key := crm.EmailKey(k.email); key != k.emailKey {
			if _, err := s.exec(ctx, s.db, "UPDATE users SET email_key = ? WHERE id = ?", key, k.id); err != nil {
				if err = s.fail(err, userConflicts); crm.ErrorCode(err) != crm.ECONFLICT {
					return collisions, err
				}
				collided = true
			}
		}
		if sk := crm.UsernameSkeleton(k.username); k.skeleton == nil || *k.skeleton != sk {
			if _, err := s.exec(ctx, s.db, "UPDATE users SET username_skeleton = ? WHERE id = ?", sk, k.id); err != nil {
				if err = s.fail(err, userConflicts); crm.ErrorCode(err) != crm.ECONFLICT {
					return collisions, err
				}
				collided = true
			}
		}
		if collided {
			collisions++
		}
	}
	return collisions, nil
}
