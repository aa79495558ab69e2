package sqlstore

import (
	"context"
	"math"
	"strings"
	"time"

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
	// searchKey says that, where the dialect has SearchKeys, an index of the table's id (its
	// primary key, or an index of the id alone) also holds its search text and the column of
	// its owner scope.
	searchKey bool
	// ownerKey, where the dialect has OwnerTrigrams, is the table's own copy of the user of its
	// owner scope, indexed with the id (events.owner_id, PostgreSQL migrations 0021 and 0022),
	// "" if it has none: the window step of a search within one owner's records (see list)
	// reads the owner's rows of the window there.
	ownerKey string
}

// own returns t's own table and alias, without the joins of from: its ids are those of t.
func (t table) own() string {
	own, _, _ := strings.Cut(t.from, " JOIN ")
	return own
}

// The tables of the resources. An event's client and sales contact are its own fields, read
// through its contract, so the events table joins the contracts table.
var (
	usersTable     = table{res: crm.ResourceUser, from: "users u", id: "u.id", scope: userScope}
	clientsTable   = table{res: crm.ResourceClient, from: "clients c", id: "c.id", scope: clientScope, searchKey: true}
	contractsTable = table{res: crm.ResourceContract, from: "contracts k", id: "k.id", scope: contractScope, searchKey: true}
	eventsTable    = table{res: crm.ResourceEvent, from: "events e JOIN contracts k ON k.id = e.contract_id", id: "e.id", scope: eventScope, ownerKey: "e.owner_id"}
	auditTable     = table{res: crm.ResourceAudit, from: "audit a", id: "a.id"}
)

// scope says how each condition of a crm.Visibility reads for one table; "" means the
// condition never matches that table. Each is a condition with one ? for the user id.
type scope struct {
	owner, support, self string
	// supportEach, when set, is the support condition checked record by record (a correlated
	// EXISTS), for where.each; support is then the list of the caller's records (an
	// uncorrelated IN), built once per query. It is SQLite's (Dialect.SupportEach), and names
	// the index it reads: a record's events by contract, with their support contact (migration
	// 0026), checked in the index alone. Without statistics (a database not bulk-loaded has
	// none), SQLite would rather read the caller's events through the support contact's index
	// for every record, all of them for a record that has none of them.
	supportEach string
}

// The read scopes of the resources: with the related conditions that where.related builds from
// them, the only SQL of the store that reaches into another resource's table.

// userScope: a user is visible to themselves only (the owner and support scopes name no user).
var userScope = scope{self: "u.id = ?"}

// clientScope: a client is owned through its sales contact, and assigned when one of its
// contracts has an event whose support contact is the caller. The assigned condition is
// mostly an uncorrelated IN: the caller's few events are found once through the support
// contact index, rather than searched again for every client
// (BenchmarkStore/ListClients/assigned); see where.each for when it is checked client by client.
var clientScope = scope{
	owner: "c.sales_contact_id = ?",
	support: `c.id IN (SELECT vk.client_id FROM events ve JOIN contracts vk ON vk.id = ve.contract_id
		WHERE ve.support_contact_id = ?)`,
	supportEach: `EXISTS (SELECT 1 FROM contracts vk JOIN events ve INDEXED BY events_contract_id_idx ON ve.contract_id = vk.id
		WHERE vk.client_id = c.id AND ve.support_contact_id = ?)`,
}

// contractScope: a contract is owned through its sales contact, and assigned when it has an
// event whose support contact is the caller (an uncorrelated IN, or EXISTS, as for clients).
var contractScope = scope{
	owner:       "k.sales_contact_id = ?",
	support:     "k.id IN (SELECT ve.contract_id FROM events ve WHERE ve.support_contact_id = ?)",
	supportEach: "EXISTS (SELECT 1 FROM events ve INDEXED BY events_contract_id_idx WHERE ve.contract_id = k.id AND ve.support_contact_id = ?)",
}

// eventScope: an event is owned through its contract's sales contact, and assigned through its
// own support contact.
var eventScope = scope{
	owner:   "k.sales_contact_id = ?",
	support: "e.support_contact_id = ?",
}

// readable starts the condition of a list or count of t: the records of t within the caller's
// read scope acc, its support conditions checked record by record when each is set (see
// where.each). The conditions a list adds next are AND-ed to it.
func readable(t table, acc crm.Access, each bool) *where {
	w := where{each: each}
	w.visible(acc.Of(t.res), t.scope)
	return &w
}

// supportEach reports whether a page of t within acc reads its support conditions record by
// record (where.each): on a dialect with SupportEach, when the caller, a support contact, is
// assigned more than sqrt(51 x the highest id of t) events. Walking t in id order then probes
// about 51 x ids / events records to fill a page of 50, fewer than the events the list of the
// caller's records would be built from. The count stops there, so that it costs at most that
// many entries of the support contact index: 16,000 for events at 5M, 0.8 ms on SQLite, more
// than the page of a search itself (0.5 ms for pia's events). So the choice is kept for
// choiceTTL, by table and caller: it only picks between two forms of the same
// conditions, so a stale one costs time, never a different page.
//
// It also reports few: the caller reads t only as a support contact, and is assigned fewer
// events than that (than FewSupportBelow on a dialect with it), so that their records of t are
// few too (see where.few).
func (s *Store) supportEach(ctx context.Context, t table, acc crm.Access) (each, few bool, err error) {
	vis := acc.Of(t.res)
	if !(s.d.SupportEach || s.d.FewSupportBelow > 0) || vis.Any || vis.SupportID == nil {
		return false, false, nil
	}
	key := eachKey{table: t.own(), user: *vis.SupportID}
	now := time.Now()
	each, ok := s.eaches.get(key, now)
	if !ok {
		if each, err = s.countSupportEach(ctx, t, *vis.SupportID); err != nil {
			return false, false, err
		}
		s.eaches.put(key, each, now)
	}
	return each && s.d.SupportEach, !each && vis.OwnerID == nil && vis.SelfID == nil, nil
}

// eachKey is the key of a choice of supportEach: the table's own table and the caller.
type eachKey struct {
	table string
	user  int64
}

// countSupportEach counts the events of the support contact user, as far as supportEach needs,
// and reports whether they are many.
func (s *Store) countSupportEach(ctx context.Context, t table, user int64) (bool, error) {
	many := s.d.SupportEachFrom
	if !s.d.SupportEach {
		many = s.d.FewSupportBelow
	}
	if many <= 0 {
		var top int64
		if err := s.queryRow(ctx, s.db, "SELECT coalesce(max("+t.id+"), 0) FROM "+t.own()).Scan(&top); err != nil {
			return false, s.fail(err, nil)
		}
		many = int64(math.Sqrt(float64(51*top))) + 1
	}
	var events int64
	if err := s.queryRow(ctx, s.db, "SELECT count(*) FROM (SELECT 1 FROM events WHERE support_contact_id = ? LIMIT ?) AS assigned",
		user, many).Scan(&events); err != nil {
		return false, s.fail(err, nil)
	}
	return events >= many, nil
}

// related adds "col is the id of a record of t within acc that matches what match adds": the one
// way a condition of a list reaches into the table of another resource, so that a filter, search
// or sort on another resource's fields can only ever see that resource's records within the
// caller's read scope of it. match writes its conditions on the alias of t.from; when it writes
// none, nothing is added. No store code writes a condition on another resource's table any
// other way, but where.clientText (a contract's copy of its client's search text), which
// reaches the same records.
func (w *where) related(col string, t table, acc crm.Access, match func(m *where)) {
	// match adds to the scope's conditions, so that a search there knows the scope's owner.
	r := readable(t, acc, w.each)
	scope := len(r.conds)
	match(r)
	if len(r.conds) == scope {
		return
	}
	if len(r.walks) > 0 {
		// Walked (see where.walked), the condition is checked record by record, through t's
		// key (existsOf).
		u := r.walked(true)
		w.walks = append(w.walks, walkCond{at: len(w.conds), arg: len(w.args), n: len(r.args), related: true, args: u.args,
			cond: existsOf(t, col, u.conds)})
	}
	w.add(col+" IN (SELECT "+t.id+" FROM "+t.from+r.sql()+")", r.args...)
	if r.fts != nil {
		w.relatedFTS = append(w.relatedFTS, *r.fts)
	}
	w.relatedFTS = append(w.relatedFTS, r.relatedFTS...)
	w.searched = w.searched || r.searched
	w.scoped = w.scoped || r.scoped
}

// clientText adds q, a search of the names, email and company of the client of a contract, on
// the contract's copy of its client's search text (contractSearch; migration 0024), so that the
// contracts' own index serves it. The copy is the client's data: with where.related, this is
// the one other condition of the store on another resource's records, and it reaches the same
// ones, the clients within acc. A contract whose client the caller cannot read matches no q:
// its client is checked through the clients' key (existsOf: PostgreSQL would otherwise gather
// all the caller's clients), unless every contract within acc has its client within acc
// (clientsImplied).
func (w *where) clientText(d *Dialect, acc crm.Access, q string) {
	if len(crm.SearchWords(q)) == 0 {
		return
	}
	if !clientsImplied(acc) {
		r := readable(clientsTable, acc, true)
		w.add(existsOf(clientsTable, "k.client_id", r.conds), r.args...)
		w.scoped = w.scoped || r.scoped
	}
	w.search(d, contractSearch, q)
}

// existsOf returns "the record of t whose id is in col meets conds", checked record by record
// through t's key: a correlated EXISTS, which OFFSET 0 keeps PostgreSQL from turning into a join
// that it could start from t (it would then read every record of t that meets conds, a search's
// words no longer reaching an index); SQLite takes an OFFSET only after a LIMIT, and LIMIT 1
// changes nothing in an EXISTS. col is named inside the subquery, so the aliases of t.from must
// differ from col's.
func existsOf(t table, col string, conds []string) string {
	return "EXISTS (SELECT 1 FROM " + t.from + " WHERE " + strings.Join(append([]string{t.id + " = " + col}, conds...), " AND ") +
		" LIMIT 1 OFFSET 0)"
}

// clientsImplied reports whether acc reads the client of every contract it reads: it reads
// every client, or it reads contracts only as the support contact of one of their events and
// clients as the same support contact (clientScope's support condition holds for a contract's
// client whenever contractScope's holds for the contract, through the same event).
func clientsImplied(acc crm.Access) bool {
	k, c := acc.Contracts, acc.Clients
	if c.Any {
		return true
	}
	return !k.Any && k.OwnerID == nil && k.SelfID == nil && k.SupportID != nil &&
		c.SupportID != nil && *c.SupportID == *k.SupportID
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
		r := readable(cc.t, acc, w.each)
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
	cond, args := sc.condition(vis, w.each)
	w.add(cond, args...)
	w.scoped = true
	if sc.owner != "" && vis.OwnerID != nil && vis.SupportID == nil && vis.SelfID == nil {
		w.owner = vis.OwnerID
	}
}

// condition returns vis on this table as one SQL condition and its arguments: "1 = 1" for Any,
// otherwise the OR of the conditions that vis sets, and "1 = 0" when it sets none that apply.
func (sc scope) condition(vis crm.Visibility, each bool) (string, []any) {
	if vis.Any {
		return "1 = 1", nil
	}
	support := sc.support
	if each && sc.supportEach != "" {
		support = sc.supportEach
	}
	var ors []string
	var args []any
	for _, c := range []struct {
		cond string
		id   *int64
	}{{sc.owner, vis.OwnerID}, {support, vis.SupportID}, {sc.self, vis.SelfID}} {
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
		cond, a := t.scope.condition(vis, s.d.SupportEach)
		sel.WriteString(", CASE WHEN " + cond + " THEN 1 ELSE 0 END")
		args = append(args, a...)
		dest[i] = &flags[i]
	}
	w := where{each: s.d.SupportEach}
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
