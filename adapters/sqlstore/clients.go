package sqlstore

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
)

const clientCols = `c.id, c.first_name, c.last_name, c.email, c.phone, c.mobile, c.company, c.status,
	c.sales_contact_id, c.date_created, c.date_updated, c.version`

var clientConflicts = &conflicts{
	foreignKey: crm.Textf("this client still has contracts: delete them first"),
}

func scanClient(r Row) (*crm.Client, error) {
	var c crm.Client
	err := r.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.Mobile, &c.Company, (*string)(&c.Status),
		nullIDDest{&c.SalesContactID}, timeDest{&c.DateCreated}, timeDest{&c.DateUpdated}, &c.Version)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

var clientListing = listing[*crm.Client]{
	cols:  clientCols,
	table: clientsTable,
	keys: map[string]sortKey[*crm.Client]{
		"id":           {col: "c.id", kind: kindInt},
		"first_name":   {col: "c.first_name", kind: kindText, value: func(c *crm.Client) string { return c.FirstName }},
		"last_name":    {col: "c.last_name", kind: kindText, value: func(c *crm.Client) string { return c.LastName }},
		"email":        {col: "c.email", kind: kindText, value: func(c *crm.Client) string { return c.Email }},
		"company":      {col: "c.company", kind: kindText, value: func(c *crm.Client) string { return c.Company }},
		"status":       {col: "c.status", kind: kindText, value: func(c *crm.Client) string { return string(c.Status) }},
		"date_created": {col: "c.date_created", kind: kindTime, value: func(c *crm.Client) string { return timeKey(c.DateCreated) }},
		"date_updated": {col: "c.date_updated", kind: kindTime, value: func(c *crm.Client) string { return timeKey(c.DateUpdated) }},
	},
	id:   func(c *crm.Client) int64 { return c.ID },
	scan: scanClient,
}

// CreateClient inserts c with its audit entries in one transaction, and sets c.ID and c.Version.
func (s *Store) CreateClient(ctx context.Context, c *crm.Client, audit []crm.AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error {
		var id int64
		args := append([]any{c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile, c.Company, string(c.Status),
			nullID(c.SalesContactID), s.d.time(c.DateCreated), s.d.time(c.DateUpdated)}, clientFolds(c)...)
		err := s.queryRow(ctx, tx, `INSERT INTO clients (first_name, last_name, email, phone, mobile, company, status,
				sales_contact_id, date_created, date_updated, version,
				first_name_fold, last_name_fold, email_fold, company_fold, search_text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) RETURNING id`, args...,
		).Scan(&id)
		if err != nil {
			return s.fail(err, refConflicts)
		}
		c.ID, c.Version = id, 1
		sn, err := snapOf(crm.ResourceClient, nil, c)
		if err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}

// refConflicts is the conflict of a write that names a record deleted in the meantime.
var refConflicts = &conflicts{
	foreignKey: crm.Textf("a record this one refers to no longer exists: reload and try again"),
}

// FindClient returns the client with id if it is within vis, ENOTFOUND otherwise.
func (s *Store) FindClient(ctx context.Context, id int64, vis crm.Visibility) (*crm.Client, error) {
	return s.findClient(ctx, s.db, id, vis, "")
}

func (s *Store) findClient(ctx context.Context, q Querier, id int64, vis crm.Visibility, lock string) (*crm.Client, error) {
	w := where{each: s.d.SupportEach}
	w.add("c.id = ?", id)
	w.visible(vis, clientsTable.scope)
	c, err := scanClient(s.queryRow(ctx, q, "SELECT "+clientCols+" FROM "+clientsTable.from+w.sql()+lock, w.args...))
	if isNoRows(err) {
		return nil, notFound("client", id)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return c, nil
}

// ListClients returns one page of the clients within acc.Clients that match f.
func (s *Store) ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error) {
	each, few, err := s.supportEach(ctx, clientsTable, acc)
	if err != nil {
		return nil, "", err
	}
	w := s.clientWhere(f, acc, each)
	w.few = few
	return list(ctx, s, clientListing, w, f.ListOptions)
}

// CountClients returns how many clients within acc.Clients match f, whatever its paging and
// sort.
func (s *Store) CountClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) (int, error) {
	return count(ctx, s, clientListing, s.clientWhere(f, acc, false))
}

// clientWhere is the condition of the clients within acc that match f, shared by their list and
// their count. Every filter is on the client's own columns. each is where.each.
func (s *Store) clientWhere(f crm.ClientFilter, acc crm.Access, each bool) *where {
	w := readable(clientsTable, acc, each)
	if f.SalesContactID != nil {
		w.eqID("c.sales_contact_id", f.SalesContactID)
		w.owner = f.SalesContactID
	}
	w.search(s.d, clientSearch, f.Q, fieldFilter{"c.first_name_fold", f.FirstName},
		fieldFilter{"c.last_name_fold", f.LastName}, fieldFilter{"c.email_fold", f.Email},
		fieldFilter{"c.company_fold", f.Company})
	w.eqText("c.status", string(f.Status))
	return w
}

// writeClient writes every changeable column of c, with its folded search columns, and
// increments its version.
func (s *Store) writeClient(ctx context.Context, tx Tx, c *crm.Client) error {
	args := append([]any{c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile, c.Company, string(c.Status),
		nullID(c.SalesContactID), s.d.time(c.DateUpdated)}, clientFolds(c)...)
	_, err := s.exec(ctx, tx, `UPDATE clients SET first_name = ?, last_name = ?, email = ?, phone = ?, mobile = ?,
			company = ?, status = ?, sales_contact_id = ?, date_updated = ?, version = version + 1,
			first_name_fold = ?, last_name_fold = ?, email_fold = ?, company_fold = ?, search_text = ?
		WHERE id = ?`, append(args, c.ID)...)
	return s.fail(err, refConflicts)
}

// UpdateClient locks the client with id within ws.Read, calls fn if it is within ws.Write, and writes the changed client and
// the audit entries fn returns in one transaction.
func (s *Store) UpdateClient(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) (*crm.Client, error) {
	var out *crm.Client
	err := s.inTx(ctx, func(tx Tx) error {
		c, _, err := lockForWrite(ctx, s, tx, clientsTable, "client", clientCols, scanClient, id, ws, s.d.lockToUpdate("c"))
		if err != nil {
			return err
		}
		version := c.Version
		before, err := snapshot(c)
		if err != nil {
			return err
		}
		audit, err := fn(c)
		if err != nil {
			return err
		}
		c.ID = id
		if err := s.writeClient(ctx, tx, c); err != nil {
			return err
		}
		c.Version = version + 1
		after, err := snapshot(c)
		if err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, audit, id, snap{crm.ResourceClient, before, after}); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteClient locks the client with id within ws.Read, calls fn if it is within ws.Write, and deletes the client with the
// audit entries in one transaction. Returns ECONFLICT while the client has contracts.
func (s *Store) DeleteClient(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) error {
	return s.inTx(ctx, func(tx Tx) error {
		c, _, err := lockForWrite(ctx, s, tx, clientsTable, "client", clientCols, scanClient, id, ws, s.d.lockToDelete("c"))
		if err != nil {
			return err
		}
		sn, err := snapOf[crm.Client](crm.ResourceClient, c, nil)
		if err != nil {
			return err
		}
		audit, err := fn(c)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM clients WHERE id = ?", id); err != nil {
			return s.fail(err, clientConflicts)
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}
