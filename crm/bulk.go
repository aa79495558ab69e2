package crm

import (
	"context"
	"fmt"
	"strconv"
)

// MaxBulk is the most records one bulk action takes.
const MaxBulk = MaxLimit

// BulkResult is what a bulk action did to one record: done, or refused and why.
type BulkResult struct {
	ID     int64  `json:"id"`
	Done   bool   `json:"done"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Err is the refusal Reason sums up in English, for an adapter that translates its message
	// (ErrorText) and its field errors.
	Err error `json:"-"`
}

// BulkReport is the outcome of a bulk action, one result per record in the order given.
type BulkReport struct {
	Results []BulkResult `json:"results"`
	Done    int          `json:"done"`
	Refused int          `json:"refused"`
}

// Summary says in words what the report counts, e.g. "12 done, 3 refused".
func (r *BulkReport) Summary() string { return fmt.Sprintf("%d done, %d refused", r.Done, r.Refused) }

// Bulk applies one action to each record of ids, each through its own call of the use case (so
// the same rules, scope and audit entry as a single action): do is called once per distinct id,
// in order, and a refusal of one record does not stop the others. More than MaxBulk ids is
// refused (EINVALID) before anything is done. A failure of the database (EUNAVAILABLE,
// EINTERNAL) or an ended context stops the action and is returned with the report so far.
func (s *Service) Bulk(ctx context.Context, ids []int64, do func(ctx context.Context, id int64) error) (*BulkReport, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, &Error{Code: EINVALID, Message: "choose at least one record",
			Fields: []FieldError{{Field: "id", Code: FieldRequired, Message: "required: tick the records to act on"}}}
	}
	if len(ids) > MaxBulk {
		return nil, Errorf(EINVALID, "%d records chosen, the most one bulk action takes is %d", len(ids), MaxBulk).
			withFields(FieldError{Field: "id", Code: FieldOutOfRange, Message: fmt.Sprintf("at most %d", MaxBulk),
				Args: []string{"1", strconv.Itoa(MaxBulk)}})
	}
	rep := &BulkReport{Results: []BulkResult{}}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		err := do(ctx, id)
		r := BulkResult{ID: id, Done: err == nil}
		if err != nil {
			code := ErrorCode(err)
			if code == EUNAVAILABLE || code == EINTERNAL || ctx.Err() != nil {
				return rep, err
			}
			r.Code, r.Reason, r.Err = code, ErrorMessage(err), err
			for _, f := range ErrorFields(err) {
				r.Reason += "; " + f.Field + ": " + f.Message
			}
			rep.Refused++
		} else {
			rep.Done++
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}
