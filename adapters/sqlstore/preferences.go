package sqlstore

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
)

// FindPreferences returns the preferences of the user with id, or the zero Preferences when they
// saved none.
func (s *Store) FindPreferences(ctx context.Context, userID int64) (crm.Preferences, error) {
	var p crm.Preferences
	err := s.queryRow(ctx, s.db, `SELECT language, time_zone, theme FROM user_preferences WHERE user_id = ?`, userID).
		Scan(&p.Language, &p.TimeZone, &p.Theme)
	if isNoRows(err) {
		return crm.Preferences{}, nil
	}
	if err != nil {
		return crm.Preferences{}, s.fail(err, nil)
	}
	return p, nil
}

// noUser is the message of preferences saved for a user who does not exist.
const noUser = "no such user: preferences belong to an existing user"

// SavePreferences replaces the preferences of the user with id; ENOTFOUND when no such user
// exists.
func (s *Store) SavePreferences(ctx context.Context, userID int64, p crm.Preferences) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO user_preferences (user_id, language, time_zone, theme) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, time_zone = excluded.time_zone, theme = excluded.theme`,
		userID, p.Language, p.TimeZone, p.Theme)
	out := s.fail(err, &conflicts{foreignKey: crm.Textf(noUser)})
	if crm.ErrorCode(out) == crm.ECONFLICT && crm.ErrorMessage(out) == noUser {
		return crm.Errorf(crm.ENOTFOUND, noUser)
	}
	return out
}
