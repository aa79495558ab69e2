package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/epicevents/epiccrm/crm"
)

// writeAudit inserts entries in tx, then the change row of each (see writeChanges) with the
// record of snaps it names. An entry whose ResourceID is 0 is stored with resourceID: the id of
// the record a create has just inserted. The caller's entries are not modified. It must be the
// last statement of the write transaction.
func (s *Store) writeAudit(ctx context.Context, tx Tx, entries []crm.AuditEntry, resourceID int64, snaps ...snap) error {
	noteWrite(tx, entries, resourceID)
	for _, e := range entries {
		if e.ResourceID == 0 {
			e.ResourceID = resourceID
		}
		changes := e.Changes
		if changes == nil {
			changes = map[string][2]any{}
		}
		js, err := json.Marshal(changes)
		if err != nil {
			return crm.Internal(fmt.Errorf("audit entry of %s %d: the changes have no JSON form: %w", e.Resource, e.ResourceID, err))
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO audit (at, actor_id, actor_username, actor_name, action, resource,
				resource_id, changes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			s.d.time(e.At), e.ActorID, e.ActorUsername, e.ActorName, string(e.Action), string(e.Resource), e.ResourceID,
			string(js)); err != nil {
			return s.fail(err, nil)
		}
	}
	return s.writeChanges(ctx, tx, entries, resourceID, snaps)
}

var auditListing = listing[*crm.AuditEntry]{
	cols:  "a.id, a.at, a.actor_id, a.actor_username, a.actor_name, a.action, a.resource, a.resource_id, a.changes",
	table: auditTable,
	keys: map[string]sortKey[*crm.AuditEntry]{
		"id": {col: "a.id", kind: kindInt},
		"at": {col: "a.at", kind: kindTime, value: func(e *crm.AuditEntry) string { return timeKey(e.At) }},
	},
	id:   func(e *crm.AuditEntry) int64 { return e.ID },
	scan: scanAudit,
}

// scanAudit reads an audit entry. Numbers in Changes come back as json.Number, so that large
// ids and amounts keep every digit.
func scanAudit(r Row) (*crm.AuditEntry, error) {
	var e crm.AuditEntry
	var changes string
	if err := r.Scan(&e.ID, timeDest{&e.At}, &e.ActorID, &e.ActorUsername, &e.ActorName, (*string)(&e.Action), (*string)(&e.Resource),
		&e.ResourceID, &changes); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(changes)))
	dec.UseNumber()
	if err := dec.Decode(&e.Changes); err != nil {
		return nil, err
	}
	if e.Changes == nil {
		e.Changes = map[string][2]any{}
	}
	return &e, nil
}

// ListAudit returns one page of the audit entries matching f, and the cursor of the next page.
func (s *Store) ListAudit(ctx context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, string, error) {
	var w where
	if f.ID != 0 {
		w.add("a.id = ?", f.ID)
	}
	w.eqText("a.resource", string(f.Resource))
	if f.ResourceID != 0 {
		w.add("a.resource_id = ?", f.ResourceID)
	}
	if f.ActorID != 0 {
		w.add("a.actor_id = ?", f.ActorID)
	}
	w.eqText("a.action", string(f.Action))
	w.between(s.d, "a.at", f.From, f.To)
	return list(ctx, s, auditListing, &w, f.ListOptions)
}
