package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.IdempotencyStore = (*Store)(nil)

// idempotencyPruneEvery is how often ReserveIdempotencyKey also deletes the expired keys.
const idempotencyPruneEvery = time.Minute

// ReserveIdempotencyKey implements crm.IdempotencyStore: in one short transaction it reads the
// caller's key (locked on PostgreSQL) and reserves it when it is free, expired or left behind by
// a request whose lease ended, or reports what holds it.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, r crm.IdempotencyRequest) (crm.IdempotencyReservation, error) {
	now := r.Now.UnixMilli()
	if last := s.idemPruned.Load(); now-last >= idempotencyPruneEvery.Milliseconds() && s.idemPruned.CompareAndSwap(last, now) {
		if _, err := s.PruneIdempotencyKeys(ctx, r.Now); err != nil {
			return crm.IdempotencyReservation{}, err
		}
	}
	token, err := newToken()
	if err != nil {
		return crm.IdempotencyReservation{}, crm.Internal(err)
	}
	claim := &crm.IdempotencyClaim{Owner: r.Owner, Key: r.Key, Token: token}
	lease, expires := now+r.Lease.Milliseconds(), now+r.TTL.Milliseconds()
	var out crm.IdempotencyReservation
	err = s.inTx(ctx, func(tx Tx) error {
		lock := ""
		if s.d.RowLocks {
			lock = " FOR UPDATE"
		}
		var (
			fingerprint, state, headers string
			leaseUntil, expiresAt       int64
			status                      int64
			body                        []byte
		)
		err := s.queryRow(ctx, tx, `SELECT fingerprint, state, lease_until, expires_at, status, headers, body
			FROM idempotency_keys WHERE owner_id = ? AND idem_key = ?`+lock, r.Owner, r.Key).
			Scan(&fingerprint, &state, &leaseUntil, &expiresAt, &status, &headers, &body)
		switch {
		case isNoRows(err):
			n, err := s.exec(ctx, tx, `INSERT INTO idempotency_keys (owner_id, idem_key, fingerprint, state, token,
					lease_until, expires_at) VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`,
				r.Owner, r.Key, r.Fingerprint, token, lease, expires)
			if err != nil {
				return s.fail(err, nil)
			}
			out.State = crm.IdempotencyInFlight // reserved at the same moment by another request
			if n == 1 {
				out = crm.IdempotencyReservation{State: crm.IdempotencyReserved, Claim: claim}
			}
			return nil
		case err != nil:
			return s.fail(err, nil)
		case expiresAt > now && fingerprint != r.Fingerprint:
			out.State = crm.IdempotencyMismatch
			return nil
		case expiresAt > now && state == "done":
			resp := &crm.IdempotentResponse{Status: int(status), Body: body}
			if err := json.Unmarshal([]byte(headers), &resp.Headers); err != nil {
				return crm.Internal(err)
			}
			out = crm.IdempotencyReservation{State: crm.IdempotencyReplay, Response: resp}
			return nil
		case expiresAt > now && leaseUntil > now:
			out.State = crm.IdempotencyInFlight
			return nil
		}
		// Expired, or a reservation whose request died: take it over under a new token, so that
		// the old holder can no longer complete it.
		if _, err := s.exec(ctx, tx, `UPDATE idempotency_keys SET fingerprint = ?, state = 'pending', token = ?,
				lease_until = ?, expires_at = ?, status = 0, headers = '{}', body = NULL
			WHERE owner_id = ? AND idem_key = ?`, r.Fingerprint, token, lease, expires, r.Owner, r.Key); err != nil {
			return s.fail(err, nil)
		}
		out = crm.IdempotencyReservation{State: crm.IdempotencyReserved, Claim: claim}
		return nil
	})
	return out, err
}

// CompleteIdempotencyKey implements crm.IdempotencyStore.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, c *crm.IdempotencyClaim, resp crm.IdempotentResponse) error {
	if err := s.inTx(ctx, func(tx Tx) error { return s.completeClaim(ctx, tx, c, resp) }); err != nil {
		return err
	}
	c.MarkCompleted()
	return nil
}

// ReleaseIdempotencyKey implements crm.IdempotencyStore.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, c *crm.IdempotencyClaim) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM idempotency_keys
		WHERE owner_id = ? AND idem_key = ? AND token = ? AND state = 'pending'`, c.Owner, c.Key, c.Token)
	return s.fail(err, nil)
}

// PruneIdempotencyKeys implements crm.IdempotencyStore.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.exec(ctx, s.db, "DELETE FROM idempotency_keys WHERE expires_at <= ?", now.UnixMilli())
	return n, s.fail(err, nil)
}

// completeClaim stores resp as the answer of c in tx, if c still holds its key.
func (s *Store) completeClaim(ctx context.Context, tx Tx, c *crm.IdempotencyClaim, resp crm.IdempotentResponse) error {
	headers, err := json.Marshal(resp.Headers)
	if err != nil || resp.Headers == nil {
		headers = []byte("{}")
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	n, err := s.exec(ctx, tx, `UPDATE idempotency_keys SET state = 'done', status = ?, headers = ?, body = ?
		WHERE owner_id = ? AND idem_key = ? AND token = ? AND state = 'pending'`,
		resp.Status, string(headers), body, c.Owner, c.Key, c.Token)
	if err != nil {
		return s.fail(err, nil)
	}
	if n != 1 {
		return crm.Errorf(crm.ECONFLICT, "this request's hold on its Idempotency-Key ran out and "+
			"another request with the same key took it over: nothing was written, fetch the record to see the outcome")
	}
	return nil
}

// recordingTx is the transaction of a write that answers an idempotency claim: it remembers the
// first record the write audited, whose stored form becomes the claim's answer.
type recordingTx struct {
	Tx
	res crm.Resource
	id  int64
}

// noteWrite records, in a transaction that answers a claim, the record the audit entries are
// about (the first entry's).
func noteWrite(tx Tx, entries []crm.AuditEntry, resourceID int64) {
	rt, ok := tx.(*recordingTx)
	if !ok || rt.res != "" || len(entries) == 0 {
		return
	}
	rt.res, rt.id = entries[0].Resource, entries[0].ResourceID
	if rt.id == 0 {
		rt.id = resourceID
	}
}

// completeInTx stores the answer of claim in the write transaction rt: the record the write
// audited, as it now stands in rt. It reports false, storing nothing, when the write audited no
// record this store can read back (a record deleted, a kind it does not keep): the caller's
// adapter then stores the answer it sent itself.
func (s *Store) completeInTx(ctx context.Context, rt *recordingTx, claim *crm.IdempotencyClaim) (bool, error) {
	if rt.res == "" || claim.Respond == nil {
		return false, nil
	}
	var (
		rec     any
		version int64
		err     error
	)
	switch rt.res {
	case crm.ResourceUser:
		var u *crm.User
		if u, err = s.findUser(ctx, rt, rt.id, crm.Everything, ""); err == nil {
			rec, version = u, u.Version
		}
	case crm.ResourceClient:
		var c *crm.Client
		if c, err = s.findClient(ctx, rt, rt.id, crm.Everything, ""); err == nil {
			rec, version = c, c.Version
		}
	case crm.ResourceContract:
		var k *crm.Contract
		if k, err = s.findContract(ctx, rt, rt.id, crm.Everything, ""); err == nil {
			rec, version = k, k.Version
		}
	case crm.ResourceEvent:
		var e *crm.Event
		if e, err = s.findEvent(ctx, rt, rt.id, crm.Everything, ""); err == nil {
			rec, version = e, e.Version
		}
	default:
		return false, nil
	}
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return false, crm.Internal(errors.Join(errors.New("the answer of an idempotent write has no JSON form"), err))
	}
	return true, s.completeClaim(ctx, rt.Tx, claim, claim.Respond(body, rt.id, version))
}

// newToken returns a random token that names one holder of a reservation.
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
