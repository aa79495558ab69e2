package crm

import (
	"context"
	"encoding/json"
)

// changeBatch is how many changes a round reads from the change log at a time.
const changeBatch = 200

// assignedRecord holds the fields of a changed record that an assignment reminder needs.
type assignedRecord struct {
	SalesContactID   *int64 `json:"sales_contact_id"`
	SupportContactID *int64 `json:"support_contact_id"`
	Name             string `json:"name"`
	FirstName        string `json:"first_name"`
	LastName         string `json:"last_name"`
	Company          string `json:"company"`
}

// assignments queues the reminders of the records assigned since the last round, reading the
// change log from where the reminders last stopped (at their first round, from its end: no
// reminder for history), then moves that place on. It needs the change log; without one it
// does nothing. Reading the same changes twice (two processes, or a failure before the place
// moved) queues nothing twice.
func (r *Reminders) assignments(ctx context.Context, rd *round) ([]Reminder, error) {
	log, st := r.svc.changes, r.svc.reminders
	if log == nil {
		return nil, nil
	}
	cursor, started, err := st.ReminderCursor(ctx)
	if err != nil {
		return nil, err
	}
	if !started {
		last, err := log.LastChangeSeq(ctx)
		if err != nil {
			return nil, err
		}
		return nil, st.SetReminderCursor(ctx, last)
	}
	for {
		changes, err := log.ChangesAfter(ctx, cursor, changeBatch)
		if err != nil || len(changes) == 0 {
			return nil, err
		}
		var rs []Reminder
		for _, c := range changes {
			more, err := r.assignment(ctx, rd, c)
			if err != nil {
				return nil, err
			}
			rs = append(rs, more...)
		}
		if len(rs) > 0 {
			if _, err := st.QueueReminders(ctx, rs); err != nil {
				return nil, err
			}
		}
		cursor = changes[len(changes)-1].Seq
		if err := st.SetReminderCursor(ctx, cursor); err != nil {
			return nil, err
		}
		if len(changes) < changeBatch {
			return nil, nil
		}
	}
}

// assignment returns the reminder of one change, if it assigned a record to someone other
// than its author.
func (r *Reminders) assignment(ctx context.Context, rd *round, c Change) ([]Reminder, error) {
	switch c.Type {
	case ChangeClientSalesContactAssigned, ChangeContractSalesContactAssigned, ChangeEventSupportAssigned,
		ChangeClientCreated, ChangeContractCreated, ChangeEventCreated:
		// A record created with a contact other than its author is assigned to them too.
	default:
		return nil, nil
	}
	var rec assignedRecord
	if err := json.Unmarshal(c.Record, &rec); err != nil {
		return nil, Internal(err)
	}
	to := rec.SalesContactID
	if c.Resource == ResourceEvent {
		to = rec.SupportContactID
	}
	if to == nil || *to == c.ActorID {
		return nil, nil
	}
	users, err := r.svc.reminders.ReminderRecipients(ctx, ReminderAssigned, "", []int64{*to})
	if err != nil || len(users) == 0 {
		return nil, err
	}
	a := &assignment{Resource: c.Resource, ID: c.ResourceID, Name: rec.Name, At: c.At}
	if a.Name == "" {
		a.Name = (&User{FirstName: rec.FirstName, LastName: rec.LastName}).FullName()
		if rec.Company != "" {
			a.Name += ", " + rec.Company
		}
	}
	if c.ActorID != 0 {
		if by, err := r.svc.users.FindUser(ctx, c.ActorID, Everything); err == nil {
			a.By = by.FullName()
		}
	}
	return r.queueFor(ctx, rd, users, ReminderAssigned, c.Resource, c.ResourceID, DateOf(c.At), a)
}
