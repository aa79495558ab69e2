package crm

import (
	"context"
	"time"
)

// AuditEntry records one change: who did what to which record and when. Changes maps each
// changed field to its [old, new] values (nil for none); passwords never appear in it.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id"`
	// ActorUsername and ActorName are the acting user's username and full name at the time of
	// the change (empty for the system), kept so that the log shows who acted as they were then,
	// whatever they are called now.
	ActorUsername string            `json:"actor_username"`
	ActorName     string            `json:"actor_name"`
	Action        Action            `json:"action"`
	Resource      Resource          `json:"resource"`
	ResourceID    int64             `json:"resource_id"`
	Changes       map[string][2]any `json:"changes"`
}

// AuditFilter narrows an audit query. Zero fields do not filter.
type AuditFilter struct {
	// ID keeps only the entry of this id.
	ID         int64
	Resource   Resource
	ResourceID int64
	ActorID    int64
	// Action keeps only the entries of this action (create, update, delete, assign, sign).
	Action Action
	// From and To keep the entries made at or after From and before To (a half-open range).
	From *time.Time
	To   *time.Time
	ListOptions
}

// AuditSortable lists the fields an audit query can be sorted by.
var AuditSortable = []string{"id", "at"}

// AuditStore reads the audit log. Entries are written by the other stores, in the transaction of
// the change they record.
type AuditStore interface {
	// ListAudit returns one page of entries matching f, and the cursor of the next page ("" on
	// the last). Returns EMALFORMED for a bad cursor.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
}

// ListAudit returns a page of the audit log. Only a role with read permission on the audit
// resource may query it (management, by default); others get EFORBIDDEN.
func (s *Service) ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if !s.visibility(a, ResourceAudit, ActionRead).Any {
		return nil, "", Errorf(EFORBIDDEN, "only management may read the audit log")
	}
	if f.Resource != "" && (f.Resource == ResourceAudit || !validResource(f.Resource)) {
		return nil, "", Errorf(EMALFORMED, "unknown resource %s", f.Resource).
			withFields(FieldError{Field: "resource", Code: FieldInvalidChoice, Message: "must be user, client, contract or event"})
	}
	if f.Action != "" && (f.Action == ActionRead || !validAction(f.Action)) {
		return nil, "", Errorf(EMALFORMED, "unknown action %s", f.Action).
			withFields(FieldError{Field: "action", Code: FieldInvalidChoice, Message: "must be create, update, delete, assign or sign"})
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return nil, "", &Error{Code: EMALFORMED, Message: "the range is empty: from must be before to",
			Fields: []FieldError{{Field: "to", Code: FieldEndBeforeStart, Message: "must be after from"}}}
	}
	if err := f.normalize(AuditSortable); err != nil {
		return nil, "", err
	}
	return s.audit.ListAudit(ctx, f)
}

func validAction(x Action) bool {
	for _, y := range Actions {
		if x == y {
			return true
		}
	}
	return false
}

func validResource(r Resource) bool {
	for _, x := range Resources {
		if x == r {
			return true
		}
	}
	return false
}

// entry builds the audit entry of one change by the acting user, with their username and name
// as they are now (a is the caller as read at the start of the request). A created record has no old
// values and a deleted one no new values: those sides are nil rather than zero values.
func (s *Service) entry(a *User, act Action, res Resource, id int64, changes map[string][2]any) AuditEntry {
	if changes == nil {
		changes = map[string][2]any{}
	}
	for field, v := range changes {
		switch act {
		case ActionCreate:
			changes[field] = [2]any{nil, v[1]}
		case ActionDelete:
			changes[field] = [2]any{v[0], nil}
		}
	}
	e := AuditEntry{At: s.clock(), ActorID: a.ID, Action: act, Resource: res, ResourceID: id, Changes: changes}
	if a.ID != 0 {
		e.ActorUsername, e.ActorName = a.Username, a.FullName()
	}
	return e
}

// diff records a field's change in changes when old and new differ (pointers by value), or
// always when all is set: the entry of a created or deleted record lists every field, zero
// values included (a user created inactive, a contract of 0.00).
func diff(changes map[string][2]any, all bool, field string, old, new any) {
	o, n := auditValue(old), auditValue(new)
	if all || o != n {
		changes[field] = [2]any{o, n}
	}
}

// auditValue turns a field value into a plain JSON value for the audit log.
func auditValue(v any) any {
	switch x := v.(type) {
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *Date:
		if x == nil {
			return nil
		}
		return x.String()
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case Money:
		return x.String()
	case Date:
		return x.String()
	case Role:
		return string(x)
	case ClientStatus:
		return string(x)
	case ContractStatus:
		return string(x)
	case EventStatus:
		return string(x)
	}
	return v
}
