package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// SaveRefreshToken stores a new, unused token. In the same transaction it forgets the user's
// tokens that expired before t was issued, which can no longer be used in any way.
func (s *Store) SaveRefreshToken(ctx context.Context, t *crm.RefreshToken) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at < ?",
			t.UserID, s.d.time(t.IssuedAt)); err != nil {
			return s.fail(err, nil)
		}
		_, err := s.exec(ctx, tx, `INSERT INTO refresh_tokens
				(hash, family_id, user_id, auth_version, issued_at, expires_at, family_issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.Hash, t.FamilyID, t.UserID, t.AuthVersion, s.d.time(t.IssuedAt), s.d.time(t.ExpiresAt),
			s.d.time(t.FamilyIssuedAt))
		return s.fail(err, &conflicts{
			unique:     crm.Textf("this refresh token already exists: issue a new one"),
			foreignKey: crm.Textf("the user of this refresh token no longer exists"),
		})
	})
}

// UseRefreshToken marks the token with hash used and returns it. The mark is one conditional
// UPDATE, so of several concurrent uses exactly one succeeds. A token that was already used has
// been stolen or replayed: its whole family is revoked. Every failure is EUNAUTHORIZED.
func (s *Store) UseRefreshToken(ctx context.Context, hash []byte, now time.Time) (*crm.RefreshToken, error) {
	var tok *crm.RefreshToken
	reused := false
	err := s.inTx(ctx, func(tx Tx) error {
		t := crm.RefreshToken{Hash: hash}
		// A family stays revoked once any of its tokens is: a successor saved by a refresh that
		// raced with a reuse or a logout is refused here, even though the revocation missed it.
		err := s.queryRow(ctx, tx, `UPDATE refresh_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
				AND NOT EXISTS (SELECT 1 FROM refresh_tokens r
					WHERE r.family_id = refresh_tokens.family_id AND r.revoked_at IS NOT NULL)
			RETURNING family_id, user_id, auth_version, issued_at, expires_at, family_issued_at`,
			s.d.time(now), hash, s.d.time(now),
		).Scan(&t.FamilyID, &t.UserID, &t.AuthVersion, timeDest{&t.IssuedAt}, timeDest{&t.ExpiresAt},
			timeDest{&t.FamilyIssuedAt})
		if err == nil {
			tok = &t
			return nil
		}
		if !isNoRows(err) {
			return s.fail(err, nil)
		}
		var family string
		var used bool
		err = s.queryRow(ctx, tx, "SELECT family_id, used_at IS NOT NULL FROM refresh_tokens WHERE hash = ?", hash).
			Scan(&family, &used)
		if isNoRows(err) || err == nil && !used {
			return nil // unknown, expired or revoked
		}
		if err != nil {
			return s.fail(err, nil)
		}
		reused = true
		_, err = s.exec(ctx, tx, "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
			s.d.time(now), family)
		return s.fail(err, nil)
	})
	switch {
	case err != nil:
		return nil, err
	case reused:
		return nil, crm.Errorf(crm.EUNAUTHORIZED,
			"this refresh token was already used, so every token of its login has been revoked: log in again")
	case tok == nil:
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "the refresh token is unknown, expired or revoked: log in again")
	}
	return tok, nil
}

// RevokeRefreshToken revokes the whole family of the token with hash when it was issued to
// userID; an unknown hash, or another user's token, changes nothing and is no error.
func (s *Store) RevokeRefreshToken(ctx context.Context, hash []byte, userID int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE refresh_tokens SET revoked_at = ?
		WHERE family_id IN (SELECT family_id FROM refresh_tokens WHERE hash = ? AND user_id = ?)
			AND revoked_at IS NULL`,
		s.d.time(time.Now()), hash, userID)
	return s.fail(err, nil)
}
