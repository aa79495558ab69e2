package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.CalendarStore = (*Store)(nil)

// SetCalendarSecret makes hash the user's one calendar feed secret, replacing any earlier one.
func (s *Store) SetCalendarSecret(ctx context.Context, userID int64, hash []byte, at time.Time) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at`,
		userID, hash, s.d.time(at))
	if s.d.Classify(err) == KindForeignKey {
		return notFound("user", userID)
	}
	return s.fail(err, &conflicts{unique: crm.Textf("this calendar secret is already in use: issue a new one")})
}

// DeleteCalendarSecret removes the user's calendar feed secret and reports whether there was one.
func (s *Store) DeleteCalendarSecret(ctx context.Context, userID int64) (bool, error) {
	n, err := s.exec(ctx, s.db, "DELETE FROM calendar_feeds WHERE user_id = ?", userID)
	return n > 0, s.fail(err, nil)
}

// FindCalendarOwner returns the id of the user whose calendar secret hashes to hash, ENOTFOUND
// otherwise. The lookup is by the hash, through its unique index: the secret itself is not stored.
func (s *Store) FindCalendarOwner(ctx context.Context, hash []byte) (int64, error) {
	var id int64
	err := s.queryRow(ctx, s.db, "SELECT user_id FROM calendar_feeds WHERE secret_hash = ?", hash).Scan(&id)
	if isNoRows(err) {
		return 0, crm.Errorf(crm.ENOTFOUND, "no such calendar feed")
	}
	return id, s.fail(err, nil)
}

// CalendarCreated returns when the user's calendar secret was made, nil when there is none.
func (s *Store) CalendarCreated(ctx context.Context, userID int64) (*time.Time, error) {
	var at time.Time
	err := s.queryRow(ctx, s.db, "SELECT created_at FROM calendar_feeds WHERE user_id = ?", userID).Scan(timeDest{&at})
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return &at, nil
}
