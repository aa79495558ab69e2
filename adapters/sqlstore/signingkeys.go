package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// SigningKey is one token signing key as the signing_keys table keeps it: sealed (encrypted)
// by its user, who alone knows how to open it.
type SigningKey struct {
	// ID is the key's kid.
	ID string
	// Sealed is the encrypted private key.
	Sealed []byte
	// CreatedAt is when the key was made.
	CreatedAt time.Time
	// RetiredAt is when a newer key replaced it; nil for the current key.
	RetiredAt *time.Time
}

// SigningKeys returns every stored signing key, the newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := s.query(ctx, s.db, `SELECT kid, sealed_key, created_at, retired_at FROM signing_keys
		ORDER BY created_at DESC, kid`)
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	var keys []SigningKey
	for rows.Next() {
		var k SigningKey
		if err := rows.Scan(&k.ID, &k.Sealed, timeDest{&k.CreatedAt}, nullTimeDest{&k.RetiredAt}); err != nil {
			return nil, s.fail(err, nil)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, nil)
	}
	return keys, nil
}

// AddSigningKey stores k as the current signing key. When rotate is set, the current key (if
// any) is retired at k.CreatedAt in the same transaction; otherwise a current key must not
// exist. Either way, when another process made a key current meanwhile, it fails with
// ECONFLICT: reload the keys and decide again.
func (s *Store) AddSigningKey(ctx context.Context, k SigningKey, rotate bool) error {
	return s.inTx(ctx, func(tx Tx) error {
		if rotate {
			if _, err := s.exec(ctx, tx, "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL",
				s.d.time(k.CreatedAt)); err != nil {
				return s.fail(err, nil)
			}
		}
		_, err := s.exec(ctx, tx, "INSERT INTO signing_keys (kid, sealed_key, created_at) VALUES (?, ?, ?)",
			k.ID, k.Sealed, s.d.time(k.CreatedAt))
		return s.fail(err, &conflicts{unique: crm.Textf("another process made a signing key current at the same time: " +
			"reload the keys and try again")})
	})
}

// DeleteSigningKeysRetiredBefore deletes the keys retired before t, which no token still valid
// can have been signed with, and returns how many it deleted.
func (s *Store) DeleteSigningKeysRetiredBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := s.exec(ctx, s.db, "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?", s.d.time(t))
	return n, s.fail(err, nil)
}

// PolicyRecord is one row of policy_state: the policy a process enforced from a moment on.
type PolicyRecord struct {
	// Fingerprint identifies the policy (policy.Policy.Fingerprint).
	Fingerprint string
	// RecordedAt is when the process started enforcing it.
	RecordedAt time.Time
	// Host and PID name the process.
	Host string
	PID  int64
}

// RecordPolicy records that a process enforces a policy from r.RecordedAt on, and forgets the
// records older than forgetBefore.
func (s *Store) RecordPolicy(ctx context.Context, r PolicyRecord, forgetBefore time.Time) error {
	if r.Fingerprint == "" {
		return crm.Errorf(crm.EINVALID, "a policy record needs the policy's fingerprint")
	}
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM policy_state WHERE recorded_at < ?", s.d.time(forgetBefore)); err != nil {
			return s.fail(err, nil)
		}
		_, err := s.exec(ctx, tx, "INSERT INTO policy_state (fingerprint, recorded_at, host, pid) VALUES (?, ?, ?, ?)",
			r.Fingerprint, s.d.time(r.RecordedAt), r.Host, r.PID)
		return s.fail(err, nil)
	})
}

// LatestPolicy returns the most recent policy record, or nil when there is none.
func (s *Store) LatestPolicy(ctx context.Context) (*PolicyRecord, error) {
	var r PolicyRecord
	err := s.queryRow(ctx, s.db, `SELECT fingerprint, recorded_at, host, pid FROM policy_state
		ORDER BY id DESC LIMIT 1`).Scan(&r.Fingerprint, timeDest{&r.RecordedAt}, &r.Host, &r.PID)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return &r, nil
}
