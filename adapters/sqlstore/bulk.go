package sqlstore

import (
	"context"
	"fmt"

	"github.com/epicevents/epiccrm/crm"
)

// BulkData is a generated data set to load at once (epiccrm demo --clients N --events M):
// Clients, Contracts and Events records, the i-th of each (from 1) returned by its function.
//
// The ids of the records and their references to one another (a contract's ClientID, an
// event's ContractID) count from 1 within the data set; the load shifts them past the rows the
// tables already hold. References to users (sales and support contacts) are real user ids. The
// functions must be safe to call once per index, in order, and Client again with the ClientID
// of each contract (for the contract's copy of its client's search text), returning the same
// client; the load calls nothing else.
type BulkData struct {
	Clients, Contracts, Events int64
	Client                     func(i int64) *crm.Client
	Contract                   func(i int64) *crm.Contract
	Event                      func(i int64) *crm.Event
}

// BulkProgress reports how far a bulk load is: Done of Total rows of Table are written.
type BulkProgress struct {
	Table       string
	Done, Total int64
}

// Copier is what a dialect offers a bulk load: the load's transaction, and its fastest way to
// append rows to a table within it (PostgreSQL: COPY; SQLite: multi-row INSERTs).
type Copier interface {
	Querier
	// Copy appends n rows to table, in the order of cols; row(i) returns the values of the i-th
	// (from 1), in the dialect's parameter form. It calls done with the number of rows written
	// so far, now and then.
	Copy(ctx context.Context, table string, cols []string, n int64, row func(i int64) []any, done func(int64)) error
}

// BulkOffsets are the ids the loaded records are shifted by: the largest id of each table
// before the load.
type BulkOffsets struct{ Clients, Contracts, Events int64 }

// BulkTables names the tables a bulk load writes, in load order.
var BulkTables = []string{"clients", "contracts", "events"}

// errBulkNotEmpty is the message of a bulk load refused because its tables already have rows.
const errBulkNotEmpty = "the database already holds %d %s: load the generated data only into an empty database, or allow it explicitly (--force)"

// BulkLoad writes data through c, in c's transaction, and returns the offsets the records'
// ids were shifted by. Unless force is set, it refuses to load into tables that already have
// rows. progress, when not nil, is called as rows are written.
//
// The records are written as they are, with their folded search columns (crm.FoldSearch, as
// every write of the store), version 1 and no audit entries: it is an import of generated
// data, not a series of user actions. The dialect's caller keeps the search index in step (see
// the postgres and sqlite packages' BulkLoad).
func (s *Store) BulkLoad(ctx context.Context, c Copier, data BulkData, force bool, progress func(BulkProgress)) (BulkOffsets, error) {
	var off BulkOffsets
	for i, dst := range []*int64{&off.Clients, &off.Contracts, &off.Events} {
		var n, top int64
		if err := c.QueryRow(ctx, "SELECT count(*), coalesce(max(id), 0) FROM "+BulkTables[i]).Scan(&n, &top); err != nil {
			return off, s.fail(err, nil)
		}
		if n > 0 && !force {
			return off, crm.Errorf(crm.ECONFLICT, errBulkNotEmpty, n, BulkTables[i])
		}
		*dst = top
	}
	d := s.d
	tables := []struct {
		n    int64
		cols []string
		row  func(i int64) []any
	}{
		{data.Clients, []string{"id", "first_name", "last_name", "email", "phone", "mobile", "company", "status",
			"sales_contact_id", "date_created", "date_updated", "version",
			"first_name_fold", "last_name_fold", "email_fold", "company_fold", "search_text"},
			func(i int64) []any {
				k := data.Client(i)
				return append([]any{off.Clients + i, k.FirstName, k.LastName, k.Email, k.Phone, k.Mobile, k.Company,
					string(k.Status), nullID(k.SalesContactID), d.time(k.DateCreated), d.time(k.DateUpdated), 1},
					clientFolds(k)...)
			}},
		{data.Contracts, []string{"id", "client_id", "sales_contact_id", "amount", "amount_due", "payment_due",
			"status", "signed_at", "date_created", "date_updated", "version", "search_text"},
			func(i int64) []any {
				k := data.Contract(i)
				cl := data.Client(k.ClientID)
				return []any{off.Contracts + i, off.Clients + k.ClientID, nullID(k.SalesContactID), int64(k.Amount),
					int64(k.AmountDue), d.nullDate(k.PaymentDue), string(k.Status), d.nullTime(k.SignedAt),
					d.time(k.DateCreated), d.time(k.DateUpdated), 1, clientSearchText(cl)}
			}},
		{data.Events, []string{"id", "name", "contract_id", "support_contact_id", "event_date", "end_date",
			"location", "attendees", "notes", "status", "date_created", "date_updated", "version", "search_text"},
			func(i int64) []any {
				e := data.Event(i)
				return []any{off.Events + i, e.Name, off.Contracts + e.ContractID, nullID(e.SupportContactID),
					d.time(e.EventDate), d.nullTime(e.EndDate), e.Location, e.Attendees, e.Notes, string(e.Status),
					d.time(e.DateCreated), d.time(e.DateUpdated), 1, eventSearchText(e)}
			}},
	}
	for i, t := range tables {
		if t.n <= 0 {
			continue
		}
		name := BulkTables[i]
		done := func(n int64) {
			if progress != nil {
				progress(BulkProgress{Table: name, Done: n, Total: t.n})
			}
		}
		if err := c.Copy(ctx, name, t.cols, t.n, t.row, done); err != nil {
			return off, s.fail(fmt.Errorf("loading %s: %w", name, err), nil)
		}
		done(t.n)
	}
	return off, nil
}
