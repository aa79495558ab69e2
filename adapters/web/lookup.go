package web

import (
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// ref is a link to a related record, as shown in a table cell or a detail panel. Href is empty
// when the user may not open the record.
type ref struct {
	Label string
	Href  string
	Sub   string // a second line for a table cell, e.g. a client's company
}

// cell shows the reference in a table, its Sub on a second line.
func (r ref) cell() cell {
	return cell{Text: r.Label, Href: r.Href, Sub: r.Sub}
}

// full is the reference on one line, e.g. "Ann Lee · Acme".
func (r ref) full() string {
	if r.Sub == "" {
		return r.Label
	}
	return r.Label + " · " + r.Sub
}

// names resolves the ids of related records to names, through the service and so within the
// user's read scope, each id once per request. A record the user may not read shows as
// "Client #12" with no link. The first unexpected error is kept in err for the handler.
type names struct {
	ui        *UI
	rq        *request
	users     map[int64]*crm.User
	contacts  map[int64]string // names of users the caller cannot open
	clients   map[int64]*crm.Client
	contracts map[int64]*crm.Contract
	err       error
}

func newNames(ui *UI, rq *request) *names {
	return &names{ui: ui, rq: rq, users: map[int64]*crm.User{}, contacts: map[int64]string{}, clients: map[int64]*crm.Client{},
		contracts: map[int64]*crm.Contract{}}
}

// keep records err unless it only says the record is out of reach.
func (n *names) keep(err error) {
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND && n.err == nil {
		n.err = err
	}
}

// user returns a reference to a user, or "—" for none.
func (n *names) user(id *int64) ref {
	if id == nil {
		return ref{Label: "—"}
	}
	u, ok := n.users[*id]
	if !ok {
		var err error
		if *id == n.rq.actor.ID {
			u = n.rq.actor
		} else if n.rq.can(crm.ResourceUser, crm.ActionRead) {
			u, err = n.ui.svc.GetUser(n.rq.ctx, *id)
			n.keep(err)
		}
		n.users[*id] = u
	}
	if u == nil {
		return ref{Label: n.contactName(*id)}
	}
	label := u.FullName()
	if u.ID == n.rq.actor.ID {
		label = n.rq.T("%s (you)", label)
	}
	return ref{Label: label, Href: n.ui.recordURL(kindUser, u.ID)}
}

// contactName names a user the caller cannot open: the contact of a record they read shows by
// name (crm.Service.ContactName decides), anyone else as "User #12".
func (n *names) contactName(id int64) string {
	name, ok := n.contacts[id]
	if !ok {
		var known bool
		var err error
		name, known, err = n.ui.svc.ContactName(n.rq.ctx, id)
		n.keep(err)
		if !known {
			name = "User #" + strconv.FormatInt(id, 10)
		}
		n.contacts[id] = name
	}
	return name
}

// client returns a reference to a client.
func (n *names) client(id int64) ref {
	c, ok := n.clients[id]
	if !ok {
		var err error
		if n.rq.can(crm.ResourceClient, crm.ActionRead) {
			c, err = n.ui.svc.GetClient(n.rq.ctx, id)
			n.keep(err)
		}
		n.clients[id] = c
	}
	if c == nil {
		return ref{Label: n.rq.T("Client #%s", strconv.FormatInt(id, 10))}
	}
	return ref{Label: c.FullName(), Href: n.ui.recordURL(kindClient, id), Sub: c.Company}
}

// contract returns a reference to a contract.
func (n *names) contract(id int64) ref {
	k, ok := n.contracts[id]
	if !ok {
		var err error
		if n.rq.can(crm.ResourceContract, crm.ActionRead) {
			k, err = n.ui.svc.GetContract(n.rq.ctx, id)
			n.keep(err)
		}
		n.contracts[id] = k
	}
	label := n.rq.T("Contract #%s", strconv.FormatInt(id, 10))
	if k == nil {
		return ref{Label: label}
	}
	return ref{Label: label, Href: n.ui.recordURL(kindContract, id)}
}

// userOptions lists the active users of role as choices of a select, sorted by name, for the
// contact fields. The current value stays a choice even when that user is no longer listed.
func (n *names) userOptions(role crm.Role, current string, none string) []option {
	opts := []option{{Value: "", Label: none, Selected: current == ""}}
	found := current == ""
	if n.rq.can(crm.ResourceUser, crm.ActionRead) {
		users, _, err := n.ui.svc.ListUsers(n.rq.ctx, crm.UserFilter{Role: role, IsActive: crm.Ptr(true),
			ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Sort: "last_name"}})
		n.keep(err)
		for _, u := range users {
			v := strconv.FormatInt(u.ID, 10)
			opts = append(opts, option{Value: v, Label: u.FullName() + " (" + u.Username + ")", Selected: v == current})
			found = found || v == current
		}
	}
	if !found {
		if id, err := strconv.ParseInt(current, 10, 64); err == nil {
			opts = append(opts, option{Value: current, Label: n.user(&id).Label, Selected: true})
		} else {
			opts = append(opts, option{Value: current, Label: current, Selected: true})
		}
	}
	return opts
}

// prefetch resolves, in one query per kind, the users, clients and contracts that a page is
// about to show (a table's rows), so that user, client and contract then answer from memory
// rather than with one query per row. Ids already resolved are not read again.
func (n *names) prefetch(users []*int64, clients, contracts []int64) {
	var uids []int64
	for _, id := range users {
		if id != nil && *id != n.rq.actor.ID {
			if _, ok := n.users[*id]; !ok {
				uids = append(uids, *id)
			}
		}
	}
	if len(uids) > 0 {
		for _, id := range uids {
			n.users[id] = nil // a user the caller cannot open stays nil: no second read
		}
		if n.rq.can(crm.ResourceUser, crm.ActionRead) {
			found, err := n.ui.svc.GetUsers(n.rq.ctx, uids)
			n.keep(err)
			for _, id := range uids {
				n.users[id] = found[id]
			}
		}
		var unknown []int64
		for _, id := range uids {
			if n.users[id] == nil {
				if _, ok := n.contacts[id]; !ok {
					unknown = append(unknown, id)
				}
			}
		}
		if len(unknown) > 0 {
			known, err := n.ui.svc.ContactNames(n.rq.ctx, unknown)
			n.keep(err)
			for _, id := range unknown {
				name, ok := known[id]
				if !ok {
					name = "User #" + strconv.FormatInt(id, 10)
				}
				n.contacts[id] = name
			}
		}
	}
	if ids := missing(n.clients, clients); len(ids) > 0 && n.rq.can(crm.ResourceClient, crm.ActionRead) {
		found, err := n.ui.svc.GetClients(n.rq.ctx, ids)
		n.keep(err)
		for _, id := range ids {
			n.clients[id] = found[id]
		}
	}
	if ids := missing(n.contracts, contracts); len(ids) > 0 && n.rq.can(crm.ResourceContract, crm.ActionRead) {
		found, err := n.ui.svc.GetContracts(n.rq.ctx, ids)
		n.keep(err)
		for _, id := range ids {
			n.contracts[id] = found[id]
		}
	}
}

// missing returns the ids that have no entry in cache yet.
func missing[T any](cache map[int64]T, ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if _, ok := cache[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}
