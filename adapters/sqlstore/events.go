package sqlstore

import (
	"context"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// An event's client and sales contact are not stored: they are read through its contract, so
// they always agree with it.
const eventCols = `e.id, e.name, e.contract_id, k.client_id, k.sales_contact_id, e.support_contact_id,
	e.event_date, e.end_date, e.location, e.attendees, e.notes, e.status, e.date_created, e.date_updated, e.version`

func scanEvent(r Row) (*crm.Event, error) {
	var e crm.Event
	err := r.Scan(&e.ID, &e.Name, &e.ContractID, &e.ClientID, nullIDDest{&e.SalesContactID},
		nullIDDest{&e.SupportContactID}, timeDest{&e.EventDate}, nullTimeDest{&e.EndDate}, &e.Location,
		&e.Attendees, &e.Notes, (*string)(&e.Status), timeDest{&e.DateCreated}, timeDest{&e.DateUpdated}, &e.Version)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

var eventListing = listing[*crm.Event]{
	cols:  eventCols,
	table: eventsTable,
	keys: map[string]sortKey[*crm.Event]{
		"id":           {col: "e.id", kind: kindInt},
		"name":         {col: "e.name", kind: kindText, value: func(e *crm.Event) string { return e.Name }},
		"event_date":   {col: "e.event_date", kind: kindTime, value: func(e *crm.Event) string { return timeKey(e.EventDate) }},
		"attendees":    {col: "e.attendees", kind: kindInt32, value: func(e *crm.Event) string { return strconv.Itoa(e.Attendees) }},
		"status":       {col: "e.status", kind: kindText, value: func(e *crm.Event) string { return string(e.Status) }},
		"date_created": {col: "e.date_created", kind: kindTime, value: func(e *crm.Event) string { return timeKey(e.DateCreated) }},
		"date_updated": {col: "e.date_updated", kind: kindTime, value: func(e *crm.Event) string { return timeKey(e.DateUpdated) }},
	},
	id:   func(e *crm.Event) int64 { return e.ID },
	scan: scanEvent,
}

// CreateEvent inserts e with its audit entries in one transaction, and sets e.ID, e.Version and,
// from its contract, e.ClientID and e.SalesContactID.
func (s *Store) CreateEvent(ctx context.Context, e *crm.Event, audit []crm.AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error {
		var id int64
		err := s.queryRow(ctx, tx, `INSERT INTO events (name, contract_id, support_contact_id, event_date, end_date,
				location, attendees, notes, status, date_created, date_updated, version, search_text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`,
			e.Name, e.ContractID, nullID(e.SupportContactID), s.d.time(e.EventDate), s.d.nullTime(e.EndDate),
			e.Location, e.Attendees, e.Notes, string(e.Status), s.d.time(e.DateCreated), s.d.time(e.DateUpdated),
			eventSearchText(e),
		).Scan(&id)
		if err != nil {
			return s.fail(err, refConflicts)
		}
		var clientID int64
		var salesID *int64
		if err := s.queryRow(ctx, tx, "SELECT client_id, sales_contact_id FROM contracts WHERE id = ?", e.ContractID).
			Scan(&clientID, nullIDDest{&salesID}); err != nil {
			return s.fail(err, nil)
		}
		e.ID, e.Version, e.ClientID, e.SalesContactID = id, 1, clientID, salesID
		sn, err := snapOf(crm.ResourceEvent, nil, e)
		if err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}

// FindEvent returns the event with id if it is within vis, ENOTFOUND otherwise.
func (s *Store) FindEvent(ctx context.Context, id int64, vis crm.Visibility) (*crm.Event, error) {
	return s.findEvent(ctx, s.db, id, vis, "")
}

func (s *Store) findEvent(ctx context.Context, q Querier, id int64, vis crm.Visibility, lock string) (*crm.Event, error) {
	w := where{each: s.d.SupportEach}
	w.add("e.id = ?", id)
	w.visible(vis, eventsTable.scope)
	e, err := scanEvent(s.queryRow(ctx, q, "SELECT "+eventCols+" FROM "+eventsTable.from+w.sql()+lock, w.args...))
	if isNoRows(err) {
		return nil, notFound("event", id)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return e, nil
}

// ListEvents returns one page of the events within acc.Events that match f.
func (s *Store) ListEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) ([]*crm.Event, string, error) {
	each, few, err := s.supportEach(ctx, eventsTable, acc)
	if err != nil {
		return nil, "", err
	}
	w := s.eventWhere(f, acc, each)
	w.few = few
	return list(ctx, s, eventListing, w, f.ListOptions)
}

// CountEvents returns how many events within acc.Events match f, whatever its paging and sort.
func (s *Store) CountEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) (int, error) {
	return count(ctx, s, eventListing, s.eventWhere(f, acc, false))
}

// eventWhere is the condition of the events within acc that match f, shared by their list and
// their count. The event's client and sales contact (k.client_id, k.sales_contact_id) are its
// own fields, shown on the event; the client filters reach the clients within acc only.
func (s *Store) eventWhere(f crm.EventFilter, acc crm.Access, each bool) *where {
	w := readable(eventsTable, acc, each)
	if f.SalesContactID != nil {
		w.owner = f.SalesContactID
	}
	w.search(s.d, eventSearch, f.Q)
	w.eqID("e.contract_id", f.ContractID)
	w.eqID("k.client_id", f.ClientID)
	w.clientMatches(s.d, acc, f.ClientFirstName, "", f.ClientEmail)
	w.eqID("k.sales_contact_id", f.SalesContactID)
	w.eqID("e.support_contact_id", f.SupportContactID)
	if f.Unassigned {
		w.add("e.support_contact_id IS NULL")
	}
	w.day(s.d, "e.event_date", f.EventDate)
	w.between(s.d, "e.event_date", f.From, f.To)
	w.eqText("e.status", string(f.Status))
	return w
}

// UpdateEvent locks the event with id within ws.Read, calls fn if it is within ws.Write, and writes the changed event and
// the audit entries fn returns in one transaction. The event's contract never changes, so its
// client and sales contact stay those of the contract.
func (s *Store) UpdateEvent(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) (*crm.Event, error) {
	var out *crm.Event
	err := s.inTx(ctx, func(tx Tx) error {
		e, _, err := lockForWrite(ctx, s, tx, eventsTable, "event", eventCols, scanEvent, id, ws, s.d.lockToUpdate("e"))
		if err != nil {
			return err
		}
		locked := *e
		before, err := snapshot(e)
		if err != nil {
			return err
		}
		audit, err := fn(e)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE events SET name = ?, support_contact_id = ?, event_date = ?, end_date = ?,
				location = ?, attendees = ?, notes = ?, status = ?, date_updated = ?, version = version + 1,
				search_text = ?
			WHERE id = ?`,
			e.Name, nullID(e.SupportContactID), s.d.time(e.EventDate), s.d.nullTime(e.EndDate), e.Location,
			e.Attendees, e.Notes, string(e.Status), s.d.time(e.DateUpdated), eventSearchText(e), id); err != nil {
			return s.fail(err, refConflicts)
		}
		e.ID, e.ContractID, e.ClientID, e.SalesContactID = id, locked.ContractID, locked.ClientID, locked.SalesContactID
		e.Version = locked.Version + 1
		after, err := snapshot(e)
		if err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, audit, id, snap{crm.ResourceEvent, before, after}); err != nil {
			return err
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteEvent locks the event with id within ws.Read, calls fn if it is within ws.Write, and deletes the event with the
// audit entries in one transaction.
func (s *Store) DeleteEvent(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) error {
	return s.inTx(ctx, func(tx Tx) error {
		e, _, err := lockForWrite(ctx, s, tx, eventsTable, "event", eventCols, scanEvent, id, ws, s.d.lockToDelete("e"))
		if err != nil {
			return err
		}
		sn, err := snapOf[crm.Event](crm.ResourceEvent, e, nil)
		if err != nil {
			return err
		}
		audit, err := fn(e)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM events WHERE id = ?", id); err != nil {
			return s.fail(err, nil)
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}
