package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// CreateSession stores a new session. Returns ECONFLICT if a session with the same id hash
// exists.
func (s *Store) CreateSession(ctx context.Context, ses *crm.Session) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO sessions (id_hash, user_id, auth_version, csrf_token, created_at, last_seen)
		VALUES (?, ?, ?, ?, ?, ?)`,
		ses.IDHash, ses.UserID, ses.AuthVersion, ses.CSRFToken, s.d.time(ses.CreatedAt), s.d.time(ses.LastSeen))
	return s.fail(err, &conflicts{
		unique:     crm.Textf("a session with this id already exists: issue a new id"),
		foreignKey: crm.Textf("the user of this session no longer exists"),
	})
}

// FindSession returns the session with idHash, or ENOTFOUND.
func (s *Store) FindSession(ctx context.Context, idHash []byte) (*crm.Session, error) {
	ses := crm.Session{}
	err := s.queryRow(ctx, s.db, `SELECT id_hash, user_id, auth_version, csrf_token, created_at, last_seen
		FROM sessions WHERE id_hash = ?`, idHash,
	).Scan(&ses.IDHash, &ses.UserID, &ses.AuthVersion, &ses.CSRFToken, timeDest{&ses.CreatedAt}, timeDest{&ses.LastSeen})
	if isNoRows(err) {
		return nil, crm.Errorf(crm.ENOTFOUND, "no such session: log in again")
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return &ses, nil
}

// TouchSession records activity on a session at the given time. An unknown session is no
// error: it was ended in the meantime, and the next FindSession says so.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", s.d.time(at), idHash)
	return s.fail(err, nil)
}

// DeleteSession ends a session; an unknown id is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM sessions WHERE id_hash = ?", idHash)
	return s.fail(err, nil)
}

// DeleteSessionsBefore ends every session last seen before the given time.
func (s *Store) DeleteSessionsBefore(ctx context.Context, before time.Time) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM sessions WHERE last_seen < ?", s.d.time(before))
	return s.fail(err, nil)
}
