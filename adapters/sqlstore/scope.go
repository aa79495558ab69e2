package sqlstore

import (
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
}

// visible adds the records within vis: nothing for Any, otherwise the OR of the conditions
// that vis sets, and a condition that matches nothing when it sets none that apply.
func (w *where) visible(vis crm.Visibility, sc scope) {
	if vis.Any {
		return
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
		w.add("1 = 0")
		return
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
}
