package crm

import (
	"context"
	"errors"
	"strings"
	"time"
)

// EventStatus tells a coming or running event from a finished one.
type EventStatus string

// Event statuses.
const (
	EventOpen   EventStatus = "open"
	EventClosed EventStatus = "closed"
)

// Valid reports whether s is a known status.
func (s EventStatus) Valid() bool { return s == EventOpen || s == EventClosed }

// Event is an event organised under a signed contract. ClientID and SalesContactID are those of
// the contract; the store derives them, so they always agree with it.
type Event struct {
	ID               int64       `json:"id"`
	Name             string      `json:"name"`
	ContractID       int64       `json:"contract_id"`
	ClientID         int64       `json:"client_id"`
	SalesContactID   *int64      `json:"sales_contact_id"`
	SupportContactID *int64      `json:"support_contact_id"`
	EventDate        time.Time   `json:"event_date"`
	EndDate          *time.Time  `json:"end_date"`
	Location         string      `json:"location"`
	Attendees        int         `json:"attendees"`
	Notes            string      `json:"notes"`
	Status           EventStatus `json:"status"`
	DateCreated      time.Time   `json:"date_created"`
	DateUpdated      time.Time   `json:"date_updated"`
	// Version counts the writes of the record; it is the record's ETag.
	Version int64 `json:"-"`
}

// EventInput holds the fields of an event that a caller sets, on create and on update.
// ContractID can only be set on create.
type EventInput struct {
	Name             Opt[string]      `json:"name"`
	ContractID       Opt[int64]       `json:"contract_id"`
	SupportContactID Opt[*int64]      `json:"support_contact_id"`
	EventDate        Opt[time.Time]   `json:"event_date"`
	EndDate          Opt[*time.Time]  `json:"end_date"`
	Location         Opt[string]      `json:"location"`
	Attendees        Opt[int]         `json:"attendees"`
	Notes            Opt[string]      `json:"notes"`
	Status           Opt[EventStatus] `json:"status"`
}

// EventFilter narrows a list of events. Text fields match case-insensitively anywhere.
type EventFilter struct {
	Q                string // name or location
	ContractID       *int64
	ClientID         *int64
	ClientFirstName  string
	ClientEmail      string
	SalesContactID   *int64
	SupportContactID *int64
	Unassigned       bool       // no support contact
	EventDate        *Date      // starts on that day (UTC)
	From             *time.Time // starts at or after this instant (event_date >= From)
	To               *time.Time // starts before this instant (event_date < To)
	Status           EventStatus
	ListOptions
}

// EventSortable lists the fields a list of events can be sorted by.
var EventSortable = []string{"id", "name", "event_date", "attendees", "status", "date_created", "date_updated"}

// EventStore keeps events.
type EventStore interface {
	// CreateEvent inserts e, setting its ID, Version, ClientID and SalesContactID (from its
	// contract), and writes the audit entries (their ResourceID set to the new ID) in the same
	// transaction.
	CreateEvent(ctx context.Context, e *Event, audit []AuditEntry) error
	// FindEvent returns the event with id if it is within vis, ENOTFOUND otherwise.
	FindEvent(ctx context.Context, id int64, vis Visibility) (*Event, error)
	// FindEvents returns the events among ids that are within vis, in id order: one read for
	// many ids. Ids of no event, or of one outside vis, are left out.
	FindEvents(ctx context.Context, ids []int64, vis Visibility) ([]*Event, error)
	// ListEvents returns one page of the events within acc.Events that match f, and the cursor of
	// the next page ("" on the last). The client filters (ClientFirstName, ClientEmail) match
	// only clients within acc.Clients; ClientID and SalesContactID are the event's own fields
	// (shown on the event, derived from its contract). Returns EMALFORMED for a bad cursor.
	ListEvents(ctx context.Context, f EventFilter, acc Access) ([]*Event, string, error)
	// CountEvents returns how many events ListEvents returns for f and acc over all its pages.
	// It ignores the paging and sort options of f.
	CountEvents(ctx context.Context, f EventFilter, acc Access) (int, error)
	// UpdateEvent locks the event with id if it is within ws.Read (ENOTFOUND otherwise) and, if it is
	// within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn
	// with it. If fn returns an error nothing is written; otherwise the changed event (its
	// Version incremented) and the audit entries commit in one transaction.
	UpdateEvent(ctx context.Context, id int64, ws WriteScope, fn func(*Event) ([]AuditEntry, error)) (*Event, error)
	// DeleteEvent locks the event with id if it is within ws.Read (ENOTFOUND otherwise) and, if it is
	// within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn, and
	// deletes it with the audit entries in one transaction.
	DeleteEvent(ctx context.Context, id int64, ws WriteScope, fn func(*Event) ([]AuditEntry, error)) error
}

// The years an event may fall in: wide enough for any real event, and narrow enough that every
// store orders and compares the times correctly (four-digit years).
const (
	minEventYear = 1900
	maxEventYear = 9998
)

// inEventYears reports whether t falls within the event years, in UTC.
func inEventYears(t time.Time) bool {
	y := t.UTC().Year()
	return y >= minEventYear && y <= maxEventYear
}

const (
	maxEventNameLen = 200
	maxLocationLen  = 500
	maxNotesLen     = 10000
	maxAttendees    = 1_000_000
)

// apply sets the given fields of in on e (except the contract), collecting every invalid one.
func (in *EventInput) apply(e *Event, fe *fieldErrors) {
	if in.Name.Set {
		e.Name = strings.TrimSpace(in.Name.Value)
	}
	if in.SupportContactID.Set {
		e.SupportContactID = in.SupportContactID.Value
	}
	if in.EventDate.Set {
		e.EventDate = in.EventDate.Value.UTC().Truncate(time.Microsecond)
	}
	if in.EndDate.Set {
		e.EndDate = in.EndDate.Value
		if e.EndDate != nil {
			e.EndDate = Ptr(e.EndDate.UTC().Truncate(time.Microsecond))
		}
	}
	if in.Location.Set {
		e.Location = strings.TrimSpace(in.Location.Value)
	}
	if in.Attendees.Set {
		e.Attendees = in.Attendees.Value
	}
	if in.Notes.Set {
		e.Notes = in.Notes.Value
	}
	if in.Status.Set {
		e.Status = in.Status.Value
	}
	if e.Name == "" {
		fe.add("name", FieldRequired, "required")
	}
	checkLen(fe, "name", e.Name, maxEventNameLen)
	checkLen(fe, "location", e.Location, maxLocationLen)
	checkLen(fe, "notes", e.Notes, maxNotesLen)
	checkText(fe, "name", e.Name, false)
	checkText(fe, "location", e.Location, false)
	checkText(fe, "notes", e.Notes, true)
	if e.EventDate.IsZero() {
		fe.add("event_date", FieldRequired, "required: a date and time such as 2027-06-01T18:00:00Z")
	} else if !inEventYears(e.EventDate) {
		fe.add("event_date", FieldOutOfRange, "must fall between the years %d and %d (UTC)", minEventYear, maxEventYear)
	}
	if e.EndDate != nil && !inEventYears(*e.EndDate) {
		fe.add("end_date", FieldOutOfRange, "must fall between the years %d and %d (UTC)", minEventYear, maxEventYear)
	}
	if e.EndDate != nil && !e.EndDate.After(e.EventDate) {
		fe.add("end_date", FieldEndBeforeStart, "must be after event_date")
	}
	if e.Attendees < 0 || e.Attendees > maxAttendees {
		fe.add("attendees", FieldOutOfRange, "must be between 0 and %d", maxAttendees)
	}
	if !e.Status.Valid() {
		fe.add("status", FieldInvalidChoice, "must be open or closed")
	}
}

func eventChanges(old, new *Event, all bool) map[string][2]any {
	c := map[string][2]any{}
	diff(c, all, "name", old.Name, new.Name)
	diff(c, all, "contract_id", old.ContractID, new.ContractID)
	diff(c, all, "support_contact_id", old.SupportContactID, new.SupportContactID)
	diff(c, all, "event_date", old.EventDate, new.EventDate)
	diff(c, all, "end_date", old.EndDate, new.EndDate)
	diff(c, all, "location", old.Location, new.Location)
	diff(c, all, "attendees", old.Attendees, new.Attendees)
	diff(c, all, "notes", old.Notes, new.Notes)
	diff(c, all, "status", old.Status, new.Status)
	return c
}

// CreateEvent creates an event for a signed contract that the caller can read, within the
// contract scope of the caller's create permission (sales: their own contracts). An unsigned
// contract is refused with ECONFLICT. Naming a support contact takes the assign permission.
func (s *Service) CreateEvent(ctx context.Context, in EventInput) (*Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	createVis := s.visibility(a, ResourceEvent, ActionCreate)
	if createVis.None() {
		return nil, Errorf(EFORBIDDEN, "you may not create events")
	}
	var fe fieldErrors
	var contract *Contract
	if !in.ContractID.Set {
		fe.add("contract_id", FieldRequired, "required")
	} else {
		contract, err = s.contracts.FindContract(ctx, in.ContractID.Value, s.visibility(a, ResourceContract, ActionRead))
		switch {
		case ErrorCode(err) == ENOTFOUND:
			fe.add("contract_id", FieldNotFoundReference, "no contract with id %d", in.ContractID.Value)
			contract = nil
		case err != nil:
			return nil, err
		default:
			if _, err := s.contracts.FindContract(ctx, contract.ID, createVis); ErrorCode(err) == ENOTFOUND {
				return nil, forbiddenField("contract_id", Textf("you may not create events for this contract"))
			} else if err != nil {
				return nil, err
			}
		}
	}
	if err := s.checkUserRef(ctx, "support_contact_id", in.SupportContactID, RoleSupport, &fe); err != nil {
		return nil, err
	}
	now := s.clock()
	e := &Event{Status: EventOpen, DateCreated: now, DateUpdated: now}
	in.apply(e, &fe)
	if err := s.checkAssign(a, ResourceEvent, "support_contact_id", nil, e.SupportContactID, nil); err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if contract.Status != ContractSigned {
		return nil, Errorf(ECONFLICT, "contract %d is not signed yet: an event can only be created for a signed contract", contract.ID)
	}
	e.ContractID = contract.ID
	entry := s.entry(a, ActionCreate, ResourceEvent, 0, eventChanges(&Event{}, e, true))
	if err := s.events.CreateEvent(ctx, e, []AuditEntry{entry}); err != nil {
		return nil, err
	}
	return e, nil
}

// GetEvent returns an event within the caller's read scope (ENOTFOUND otherwise).
func (s *Service) GetEvent(ctx context.Context, id int64) (*Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.events.FindEvent(ctx, id, s.visibility(a, ResourceEvent, ActionRead))
}

// ListEvents returns a page of the events within the caller's read scope that match f.
func (s *Service) ListEvents(ctx context.Context, f EventFilter) ([]*Event, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	if err := f.normalize(EventSortable); err != nil {
		return nil, "", err
	}
	acc := s.readAccess(a)
	if acc.Events.None() {
		return nil, "", nil
	}
	return s.events.ListEvents(ctx, f, acc)
}

// CountEvents returns how many events within the caller's read scope match f: the length of the
// whole list that ListEvents pages through, for a user interface that shows it. The paging and
// sort options of f are ignored. A caller who may read no event gets 0.
func (s *Service) CountEvents(ctx context.Context, f EventFilter) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	acc := s.readAccess(a)
	if acc.Events.None() {
		return 0, nil
	}
	f.ListOptions = ListOptions{}
	return s.events.CountEvents(ctx, f, acc)
}

// check refuses a filter value that names no event status (EMALFORMED).
func (f *EventFilter) check() error {
	if err := checkFilterText("q", f.Q, "client_first_name", f.ClientFirstName, "client_email", f.ClientEmail); err != nil {
		return err
	}
	if f.Status != "" && !f.Status.Valid() {
		return Errorf(EMALFORMED, "unknown event status %s", f.Status).
			withFields(FieldError{Field: "status", Code: FieldInvalidChoice, Message: "must be open or closed"})
	}
	return nil
}

// UpdateEvent changes the given fields of an event. Setting the support contact takes the
// assign permission; the contract cannot be changed. ifVersion, when not 0, must be the
// current version.
func (s *Service) UpdateEvent(ctx context.Context, id int64, in EventInput, ifVersion int64) (*Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var refErrs fieldErrors
	if err := s.checkUserRef(ctx, "support_contact_id", in.SupportContactID, RoleSupport, &refErrs); err != nil {
		return nil, err
	}
	var unchanged Event
	e, err := s.events.UpdateEvent(ctx, id, s.writeScope(a, ResourceEvent, ActionUpdate), func(e *Event) ([]AuditEntry, error) {
		if err := checkVersion(ifVersion, e.Version); err != nil {
			return nil, err
		}
		old := *e
		if in.ContractID.Set && in.ContractID.Value != e.ContractID {
			return nil, &Error{Code: EINVALID, Message: "an event cannot move to another contract",
				Fields: []FieldError{{Field: "contract_id", Code: FieldImmutable, Message: "cannot be changed"}}}
		}
		fe := refErrs.unlessUnchanged("support_contact_id", old.SupportContactID, in.SupportContactID)
		in.apply(e, &fe)
		if err := s.checkAssign(a, ResourceEvent, "support_contact_id", old.SupportContactID, e.SupportContactID, old.SupportContactID); err != nil {
			return nil, err
		}
		if err := fe.err(); err != nil {
			return nil, err
		}
		changes := eventChanges(&old, e, false)
		if len(changes) == 0 {
			unchanged = old
			return nil, errUnchanged
		}
		e.DateUpdated = s.clock()
		return []AuditEntry{s.entry(a, actionOf(changes, "support_contact_id"), ResourceEvent, id, changes)}, nil
	})
	if errors.Is(err, errUnchanged) {
		return &unchanged, nil
	}
	return e, forbiddenWrite(err, "you may not change this event")
}

// AssignSupport sets (or, with nil, clears) the support contact of an event: management's step 6
// of the business process. It takes the assign permission on events.
func (s *Service) AssignSupport(ctx context.Context, eventID int64, supportID *int64, ifVersion int64) (*Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.allowed(a, ResourceEvent, ActionAssign) {
		if _, err := s.GetEvent(ctx, eventID); err != nil {
			return nil, err
		}
		return nil, forbiddenField("support_contact_id", whyAssign)
	}
	return s.UpdateEvent(ctx, eventID, EventInput{SupportContactID: Some(supportID)}, ifVersion)
}

// DeleteEvent deletes an event.
func (s *Service) DeleteEvent(ctx context.Context, id int64, ifVersion int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.events.DeleteEvent(ctx, id, s.writeScope(a, ResourceEvent, ActionDelete), func(e *Event) ([]AuditEntry, error) {
		if err := checkVersion(ifVersion, e.Version); err != nil {
			return nil, err
		}
		return []AuditEntry{s.entry(a, ActionDelete, ResourceEvent, id, eventChanges(e, &Event{}, true))}, nil
	})
	return forbiddenWrite(err, "you may not delete this event")
}
