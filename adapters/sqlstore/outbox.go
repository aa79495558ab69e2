package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/epicevents/epiccrm/crm"
)

// snap is one record of a write as its change row shows it: the record before the write and
// after it (nil: JSON null, before a create or after a delete). The JSON of the crm entities is
// the JSON the API shows management, and it leaves out password hashes and versions.
type snap struct {
	res           crm.Resource
	before, after json.RawMessage
}

// snapshot returns the JSON of a record for a change row, or JSON null for nil.
func snapshot[T any](v *T) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("null"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, crm.Internal(fmt.Errorf("change row: the record has no JSON form: %w", err))
	}
	return b, nil
}

// snaps builds the snap of one record from its state before and after the write (nil for
// none).
func snapOf[T any](res crm.Resource, before, after *T) (snap, error) {
	b, err := snapshot(before)
	if err != nil {
		return snap{}, err
	}
	a, err := snapshot(after)
	if err != nil {
		return snap{}, err
	}
	return snap{res: res, before: b, after: a}, nil
}

// changeLockKey is the key of the lock (Dialect.KeyLock) that serialises the insertion of change
// rows until commit, so that change seqs are allocated and committed in the same order.
const changeLockKey = "epiccrm.changes"

// writeChanges inserts the change row of each audit entry in tx, with the record of snaps
// whose resource is the entry's. It runs last in a write transaction: with Dialect.KeyLock it
// first takes the change log's lock, held until the commit, so that no transaction allocates a
// later seq and commits before this one (writes serialise only for this last statement and
// their commit). An entry whose ResourceID is 0 names resourceID, like in writeAudit.
func (s *Store) writeChanges(ctx context.Context, tx Tx, entries []crm.AuditEntry, resourceID int64, snaps []snap) error {
	locked := false
	for _, e := range entries {
		typ := crm.ChangeTypeOf(e.Resource, e.Action)
		if typ == "" {
			continue
		}
		if e.ResourceID == 0 {
			e.ResourceID = resourceID
		}
		record, before := json.RawMessage("null"), json.RawMessage("null")
		for _, sn := range snaps {
			if sn.res == e.Resource {
				record, before = sn.after, sn.before
				break
			}
		}
		if !locked && s.d.KeyLock != "" {
			if _, err := s.exec(ctx, tx, s.d.KeyLock, changeLockKey); err != nil {
				return s.fail(err, nil)
			}
			locked = true
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO changes (id, type, at, actor_id, resource, resource_id, record, before)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			crm.NewChangeID(), typ, s.d.time(e.At), e.ActorID, string(e.Resource), e.ResourceID,
			string(record), string(before)); err != nil {
			return s.fail(err, nil)
		}
	}
	return nil
}

// ChangesAfter returns at most limit committed changes with Seq > after, in Seq order.
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]crm.Change, error) {
	return s.changesAfter(ctx, s.db, after, limit)
}

// changesAfter reads the changes after the seq after on q.
func (s *Store) changesAfter(ctx context.Context, q Querier, after int64, limit int) ([]crm.Change, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.query(ctx, q, `SELECT seq, id, type, at, actor_id, resource, resource_id, record, before
		FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	var out []crm.Change
	for rows.Next() {
		var c crm.Change
		var record, before string
		if err := rows.Scan(&c.Seq, &c.ID, &c.Type, timeDest{&c.At}, &c.ActorID, (*string)(&c.Resource), &c.ResourceID,
			&record, &before); err != nil {
			return nil, s.fail(err, nil)
		}
		c.Record, c.Before = json.RawMessage(record), json.RawMessage(before)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, nil)
	}
	return out, nil
}

// LastChangeSeq returns the Seq of the newest committed change, 0 when there is none.
func (s *Store) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.queryRow(ctx, s.db, "SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, s.fail(err, nil)
	}
	return seq, nil
}
