package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.CredentialCounter = (*Store)(nil)

// HeldCredentials returns, for every user holding a refresh token usable at now (neither used,
// revoked nor expired) or an admin session, how many of each, in order of user id.
func (s *Store) HeldCredentials(ctx context.Context, now time.Time) ([]crm.HeldCredentials, error) {
	rows, err := s.query(ctx, s.db, `SELECT user_id, SUM(tokens), SUM(sessions) FROM (
			SELECT user_id, 1 AS tokens, 0 AS sessions FROM refresh_tokens
				WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
					AND NOT EXISTS (SELECT 1 FROM refresh_tokens r
						WHERE r.family_id = refresh_tokens.family_id AND r.revoked_at IS NOT NULL)
			UNION ALL
			SELECT user_id, 0, 1 FROM sessions
		) held GROUP BY user_id ORDER BY user_id`, s.d.time(now))
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	out := []crm.HeldCredentials{}
	for rows.Next() {
		var h crm.HeldCredentials
		var tokens, sessions int64
		if err := rows.Scan(&h.UserID, &tokens, &sessions); err != nil {
			return nil, s.fail(err, nil)
		}
		h.RefreshTokens, h.Sessions = int(tokens), int(sessions)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, nil)
	}
	return out, nil
}
