package sqlstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// failureRetention is how long login attempts are kept: far longer than any throttling window.
const failureRetention = 24 * time.Hour

// ReserveLoginAttempt counts the failures and the attempts in flight under each key of a and,
// when every key is below its limit, records a as in flight under each, in one transaction.
// With Dialect.KeyLock, the transaction first locks each key (in key order, so that two
// reservations cannot wait for each other); otherwise the database serialises write
// transactions. It also forgets the attempts older than a day.
func (s *Store) ReserveLoginAttempt(ctx context.Context, a crm.LoginAttempt) (bool, []crm.LoginCount, error) {
	if a.ID == "" {
		return false, nil, crm.Internal(errors.New("sqlstore: a login attempt needs an id"))
	}
	var (
		counts   []crm.LoginCount
		reserved bool
	)
	err := s.inTx(ctx, func(tx Tx) error {
		counts, reserved = make([]crm.LoginCount, len(a.Keys)), true
		if s.d.KeyLock != "" {
			keys := make([]string, 0, len(a.Keys))
			for _, k := range a.Keys {
				keys = append(keys, k.Key)
			}
			slices.Sort(keys)
			for _, k := range slices.Compact(keys) {
				if _, err := s.exec(ctx, tx, s.d.KeyLock, k); err != nil {
					return s.fail(err, nil)
				}
			}
		}
		for i, k := range a.Keys {
			c, err := s.loginCount(ctx, tx, k.Key, a.Since, a.StaleBefore)
			if err != nil {
				return err
			}
			counts[i] = c
			reserved = reserved && c.Failures+c.InFlight < k.Limit
		}
		if !reserved {
			return nil
		}
		for _, k := range a.Keys {
			if _, err := s.exec(ctx, tx, "INSERT INTO login_failures (key, at, attempt) VALUES (?, ?, ?)",
				k.Key, s.d.time(a.At), a.ID); err != nil {
				return s.fail(err, nil)
			}
		}
		_, err := s.exec(ctx, tx, "DELETE FROM login_failures WHERE at < ?", s.d.time(a.At.Add(-failureRetention)))
		return s.fail(err, nil)
	})
	if err != nil {
		return false, nil, err
	}
	return reserved, counts, nil
}

// loginCount returns the state of key: failures since since (reservations made before
// staleBefore included), reservations made since staleBefore, and the earliest failure.
func (s *Store) loginCount(ctx context.Context, q Querier, key string, since, staleBefore time.Time) (crm.LoginCount, error) {
	var c crm.LoginCount
	var failures, inFlight int64
	var first *time.Time
	stale := s.d.time(staleBefore)
	err := s.queryRow(ctx, q, `SELECT
			COALESCE(SUM(CASE WHEN attempt IS NULL OR at < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN attempt IS NOT NULL AND at >= ? THEN 1 ELSE 0 END), 0),
			MIN(CASE WHEN attempt IS NULL OR at < ? THEN at END)
		FROM login_failures WHERE key = ? AND at >= ?`,
		stale, stale, stale, key, s.d.time(since)).Scan(&failures, &inFlight, nullTimeDest{&first})
	if err != nil {
		return c, s.fail(err, nil)
	}
	c.Failures, c.InFlight = int(failures), int(inFlight)
	if first != nil {
		c.FirstFailure = *first
	}
	return c, nil
}

// FailLoginAttempt turns the reservation of the attempt with id into a failure under each of
// its keys.
func (s *Store) FailLoginAttempt(ctx context.Context, id string) error {
	_, err := s.exec(ctx, s.db, "UPDATE login_failures SET attempt = NULL WHERE attempt = ?", id)
	return s.fail(err, nil)
}

// ReleaseLoginAttempt deletes the reservation of the attempt with id under every key.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, id string) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM login_failures WHERE attempt = ?", id)
	return s.fail(err, nil)
}

// ClearLoginFailures forgets the failures recorded under key, and only those: attempts in
// flight stay.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM login_failures WHERE key = ? AND attempt IS NULL", key)
	return s.fail(err, nil)
}
