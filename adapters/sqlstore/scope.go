package sqlstore

import (
	"context"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// table is how the queries see the table of one resource: the resource it holds, its FROM item
// (with its alias, and the joins its own fields need), its id column and its read scope.
type table struct {
	res crm.Resource
	// from is the table and alias (and joins) after FROM, with no parameter.
	from string
	// id is the id column, on the alias of from.
	id string
	// scope says how each condition of a crm.Visibility reads on this table.
	scope scope
}

// The tables of the resources. An event's client and sales contact are its own fields, read
// through its contract, so the events table joins the contracts table.
var (
	usersTable     = table{res: crm.ResourceUser, from: "users u", id: "u.id", scope: userScope}
	clientsTable   = table{res: crm.ResourceClient, from: "clients c", id: "c.id", scope: clientScope}
	contractsTable = table{res: crm.ResourceContract, from: "contracts k", id: "k.id", scope: contractScope}
	eventsTable    = table{res: crm.ResourceEvent, from: "events e JOIN contracts k ON k.id = e.contract_id", id: "e.id", scope: eventScope}
	auditTable     = table{res: crm.ResourceAudit, from: "audit a", id: "a.id"}
)

// scope says how each condition of a crm.Visibility reads for one table; "" means the
// condition never matches that table. Each is a condition with one ? for the user id.
type scope struct {
	owner, support, self string
}

// The read scopes of the resources: with the related conditions that where.related builds from
// them, the only SQL of the store that reaches into another resource's table.

// userScope: a user is visible to themselves only (the owner and support scopes name no user).
var userScope = scope{self: "u.id = ?"}

// clientScope: a client is owned through its sales contact, and assigned when one of its
// contracts has an event whose support contact is the caller. The assigned condition is an
// uncorrelated IN: the caller's few events are found once through the support contact index,
// rather than searched again for every client (BenchmarkStore/ListClients/assigned).
var clientScope = scope{
	owner: "c.sales_contact_id = ?",
	support: `c.id IN (SELECT vk.client_id FROM events ve JOIN contracts vk ON vk.id = ve.contract_id
		WHERE ve.support_contact_id = ?)`,
}

// contractScope: a contract is owned through its sales contact, and assigned when it has an
// event whose support contact is the caller (an uncorrelated IN, as for clients).
var contractScope = scope{
	owner:   "k.sales_contact_id = ?",
	support: "k.id IN (SELECT ve.contract_id FROM events ve WHERE ve.support_contact_id = ?)",
}

// eventScope: an event is owned through its contract's sales contact, and assigned through its
// own support contact.
var eventScope = scope{
	owner:   "k.sales_contact_id = ?",
	support: "e.support_contact_id = ?",
}

// readable starts the condition of a list or count of t: the records of t within the caller's
// read scope acc. The conditions a list adds next are AND-ed to it.
func readable(t table, acc crm.Access) *where {
	var w where
	w.visible(acc.Of(t.res), t.scope)
	return &w
}

// related adds "col is the id of a record of t within acc that matches what match adds": the one
// way a condition of a list reaches into the table of another resource, so that a filter, search
// or sort on another resource's fields can only ever see that resource's records within the
// caller's read scope of it. match writes its conditions on the alias of t.from; when it writes
// none, nothing is added. No store code writes a condition on another resource's table any
// other way.
func (w *where) related(col string, t table, acc crm.Access, match func(m *where)) {
	var m where
	match(&m)
	if len(m.conds) == 0 {
		return
	}
	r := readable(t, acc)
	r.conds = append(r.conds, m.conds...)
	r.args = append(r.args, m.args...)
	w.add(col+" IN (SELECT "+t.id+" FROM "+t.from+r.sql()+")", r.args...)
	w.searched = w.searched || m.searched
	w.scoped = w.scoped || r.scoped
}

// contactColumns are the contact columns of the records a user can be the contact of, each on
// its table: a client's and a contract's sales contact, an event's support contact, and its
// sales contact (its contract's).
var contactColumns = []struct {
	t   table
	col string
}{
	{clientsTable, "c.sales_contact_id"},
	{contractsTable, "k.sales_contact_id"},
	{eventsTable, "e.support_contact_id"},
	{eventsTable, "k.sales_contact_id"},
}

// contactOf adds "the user id in col is the sales or support contact of a client, contract or
// event within acc", each resource's records within its own Visibility, like where.related. It
// reports false, adding nothing, when acc reads none of those records (nobody is such a
// contact).
func (w *where) contactOf(col string, acc crm.Access) bool {
	var ors []string
	var args []any
	for _, cc := range contactColumns {
		if acc.Of(cc.t.res).None() {
			continue
		}
		r := readable(cc.t, acc)
		ors = append(ors, col+" IN (SELECT "+cc.col+" FROM "+cc.t.from+r.sql()+")")
		args = append(args, r.args...)
	}
	if len(ors) == 0 {
		return false
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
	return true
}

// visible adds the records within vis: nothing for Any, otherwise the OR of the conditions
// that vis sets, and a condition that matches nothing when it sets none that apply.
func (w *where) visible(vis crm.Visibility, sc scope) {
	if vis.Any {
		return
	}
	cond, args := sc.condition(vis)
	w.add(cond, args...)
	w.scoped = true
}

// condition returns vis on this table as one SQL condition and its arguments: "1 = 1" for Any,
// otherwise the OR of the conditions that vis sets, and "1 = 0" when it sets none that apply.
func (sc scope) condition(vis crm.Visibility) (string, []any) {
	if vis.Any {
		return "1 = 1", nil
	}
	var ors []string
	var args []any
	for _, c := range []struct {
		cond string
		id   *int64
	}{{sc.owner, vis.OwnerID}, {sc.support, vis.SupportID}, {sc.self, vis.SelfID}} {
		if c.id != nil && c.cond != "" {
			ors = append(ors, c.cond)
			args = append(args, *c.id)
		}
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// lockForWrite reads, in tx and under lock, the record of t with id if it is within ws.Read, with
// whether it is within ws.Write and within each of also: the one read of a write, which tells a
// record the caller cannot read (ENOTFOUND, named what) from one they may not write
// (crm.ErrNotWritable), both under the lock, so that no write can slip in between. cols and scan
// are the record's columns and how to scan them. The flags it returns are those of also.
func lockForWrite[T any](ctx context.Context, s *Store, tx Tx, t table, what, cols string, scan func(Row) (T, error),
	id int64, ws crm.WriteScope, lock string, also ...crm.Visibility) (T, []bool, error) {
	var zero T
	var sel strings.Builder
	var args []any
	flags := make([]int64, 1+len(also))
	dest := make([]any, len(flags))
	for i, vis := range append([]crm.Visibility{ws.Write}, also...) {
		cond, a := t.scope.condition(vis)
		sel.WriteString(", CASE WHEN " + cond + " THEN 1 ELSE 0 END")
		args = append(args, a...)
		dest[i] = &flags[i]
	}
	w := where{}
	w.add(t.id+" = ?", id)
	w.visible(ws.Read, t.scope)
	args = append(args, w.args...)
	rec, err := scan(extraRow{s.queryRow(ctx, tx, "SELECT "+cols+sel.String()+" FROM "+t.from+w.sql()+lock, args...), dest})
	if isNoRows(err) {
		return zero, nil, notFound(what, id)
	}
	if err != nil {
		return zero, nil, s.fail(err, nil)
	}
	if flags[0] != 1 {
		return zero, nil, crm.ErrNotWritable
	}
	out := make([]bool, len(also))
	for i := range also {
		out[i] = flags[i+1] == 1
	}
	return rec, out, nil
}

// extraRow is a Row whose Scan also fills extra, the columns after a record's own.
type extraRow struct {
	Row
	extra []any
}

// Scan scans the record's columns into dest and the rest into the extra destinations.
func (r extraRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }
