package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// RevertField is one field of an audited change, as reverting the change would set it back.
type RevertField struct {
	Field   string
	Before  any // the value before the change: what the revert sets
	After   any // the value the change set
	Current any // the value the record holds now
	// ChangedSince is set when the field no longer holds After: it was changed again since the
	// entry, and reverting would also undo that later change.
	ChangedSince bool
}

// RevertPlan tells what reverting one audited update would do to its record as it is now.
type RevertPlan struct {
	Entry *AuditEntry
	// Version is the record's current version, the ifVersion RevertChange expects.
	Version int64
	// Fields are the entry's fields, sorted by name.
	Fields []RevertField
	// ChangedSince is set when some field was changed again since the entry.
	ChangedSince bool
	// Noop is set when every field already holds its value from before the change.
	Noop bool
}

// PlanRevert reads the audit entry auditID and the record it changed, and tells what reverting
// the change would set. Only an update (or an assignment) of a client, contract or event can
// be reverted, by whoever may read the audit log (ListAudit's rule) and the record.
func (s *Service) PlanRevert(ctx context.Context, auditID int64) (*RevertPlan, error) {
	if auditID <= 0 {
		return nil, Errorf(ENOTFOUND, "no audit entry %d", auditID)
	}
	entries, _, err := s.ListAudit(ctx, AuditFilter{ID: auditID})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, Errorf(ENOTFOUND, "no audit entry %d", auditID)
	}
	e := entries[0]
	if e.Action != ActionUpdate && e.Action != ActionAssign {
		return nil, Errorf(ECONFLICT, "only an update can be reverted, and entry %d is a %s", auditID, e.Action)
	}
	current, version, err := s.currentValues(ctx, e.Resource, e.ResourceID)
	if err != nil {
		return nil, err
	}
	p := &RevertPlan{Entry: e, Version: version, Noop: true}
	for field, ch := range e.Changes {
		cur, ok := current[field]
		if !ok {
			return nil, Errorf(ECONFLICT, "the field %s of entry %d can no longer be set", FieldNames{field}, auditID)
		}
		f := RevertField{Field: field, Before: ch[0], After: ch[1], Current: cur[1], ChangedSince: !sameJSON(cur[1], ch[1])}
		p.ChangedSince = p.ChangedSince || f.ChangedSince
		p.Noop = p.Noop && sameJSON(cur[1], ch[0])
		p.Fields = append(p.Fields, f)
	}
	sort.Slice(p.Fields, func(i, j int) bool { return p.Fields[i].Field < p.Fields[j].Field })
	return p, nil
}

// RevertChange applies the values from before the audited update auditID to its record, as a
// new update through the record's Update use case: with its rules, permissions and audit
// entry. ifVersion, when not 0, must be the record's current version (EPRECONDITION
// otherwise); PlanRevert shows which fields were changed again since. A change whose fields
// all hold their earlier values already is a conflict: there is nothing to revert.
func (s *Service) RevertChange(ctx context.Context, auditID, ifVersion int64) error {
	p, err := s.PlanRevert(ctx, auditID)
	if err != nil {
		return err
	}
	if p.Noop {
		return Errorf(ECONFLICT, "nothing to revert: every field of entry %d already holds its earlier value", auditID)
	}
	before := make(map[string]any, len(p.Fields))
	for _, f := range p.Fields {
		before[f.Field] = f.Before
	}
	e := p.Entry
	switch e.Resource {
	case ResourceClient:
		var in ClientInput
		if err := decodeRevert(before, &in); err != nil {
			return err
		}
		_, err = s.UpdateClient(ctx, e.ResourceID, in, ifVersion)
	case ResourceContract:
		var in ContractInput
		if err := decodeRevert(before, &in); err != nil {
			return err
		}
		_, err = s.UpdateContract(ctx, e.ResourceID, in, ifVersion)
	case ResourceEvent:
		var in EventInput
		if err := decodeRevert(before, &in); err != nil {
			return err
		}
		_, err = s.UpdateEvent(ctx, e.ResourceID, in, ifVersion)
	}
	return err
}

// currentValues returns every field of a record as an audit change [value, value], and the
// record's version, read through the caller's read scope.
func (s *Service) currentValues(ctx context.Context, res Resource, id int64) (map[string][2]any, int64, error) {
	switch res {
	case ResourceClient:
		c, err := s.GetClient(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		return clientChanges(c, c, true), c.Version, nil
	case ResourceContract:
		c, err := s.GetContract(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		return contractChanges(c, c, true), c.Version, nil
	case ResourceEvent:
		ev, err := s.GetEvent(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		return eventChanges(ev, ev, true), ev.Version, nil
	}
	return nil, 0, Errorf(ECONFLICT, "only changes of clients, contracts and events can be reverted, not of a %s", res)
}

// decodeRevert reads the audited values of fields into an update input (a *ClientInput, ...):
// audit values are the fields' JSON forms, so a JSON round trip sets exactly those fields.
func decodeRevert(fields map[string]any, in any) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return Internal(fmt.Errorf("revert: the audited values have no JSON form: %w", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return Errorf(ECONFLICT, "the audited values can no longer be applied: %v", err)
	}
	return nil
}

// sameJSON tells whether two audit values have the same JSON form (a json.Number read back
// from the log equals the int64 of a record).
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
