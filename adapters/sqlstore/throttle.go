package sqlstore

import (
	"context"
	"time"
)

// failureRetention is how long failed logins are kept: far longer than any throttling window.
const failureRetention = 24 * time.Hour

// RecordLoginFailure records one failure under each key at the given time, and forgets the
// failures older than a day, in one transaction.
func (s *Store) RecordLoginFailure(ctx context.Context, keys []string, at time.Time) error {
	return s.inTx(ctx, func(tx Tx) error {
		for _, key := range keys {
			if _, err := s.exec(ctx, tx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", key, s.d.time(at)); err != nil {
				return s.fail(err, nil)
			}
		}
		_, err := s.exec(ctx, tx, "DELETE FROM login_failures WHERE at < ?", s.d.time(at.Add(-failureRetention)))
		return s.fail(err, nil)
	})
}

// LoginFailures returns how many failures were recorded under key at or after since, and the
// earliest of them (the zero time when there is none).
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var first *time.Time
	err := s.queryRow(ctx, s.db, "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ? AND at >= ?",
		key, s.d.time(since)).Scan(&n, nullTimeDest{&first})
	if err != nil {
		return 0, time.Time{}, s.fail(err, nil)
	}
	if first == nil {
		return n, time.Time{}, nil
	}
	return n, *first, nil
}

// ClearLoginFailures forgets the failures recorded under key.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM login_failures WHERE key = ?", key)
	return s.fail(err, nil)
}

// ForgetLoginFailure deletes, under each key, one failure recorded at exactly the given time.
// Rows with the same key and time cannot be told apart, so deleting any one of them is right.
func (s *Store) ForgetLoginFailure(ctx context.Context, keys []string, at time.Time) error {
	return s.inTx(ctx, func(tx Tx) error {
		for _, key := range keys {
			_, err := s.exec(ctx, tx, `DELETE FROM login_failures WHERE id = (SELECT id FROM login_failures
				WHERE key = ? AND at = ? ORDER BY id LIMIT 1)`, key, s.d.time(at))
			if err != nil {
				return s.fail(err, nil)
			}
		}
		return nil
	})
}
