package sqlstore

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
)

const contractCols = `k.id, k.client_id, k.sales_contact_id, k.amount, k.amount_due, k.payment_due, k.status,
	k.signed_at, k.date_created, k.date_updated, k.version`

var contractConflicts = &conflicts{
	foreignKey: crm.Textf("this contract still has events: delete them first"),
}

func scanContract(r Row) (*crm.Contract, error) {
	var k crm.Contract
	err := r.Scan(&k.ID, &k.ClientID, nullIDDest{&k.SalesContactID}, (*int64)(&k.Amount), (*int64)(&k.AmountDue),
		nullDateDest{&k.PaymentDue}, (*string)(&k.Status), nullTimeDest{&k.SignedAt},
		timeDest{&k.DateCreated}, timeDest{&k.DateUpdated}, &k.Version)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

var contractListing = listing[*crm.Contract]{
	cols:  contractCols,
	table: contractsTable,
	keys: map[string]sortKey[*crm.Contract]{
		"id":           {col: "k.id", kind: kindInt},
		"amount":       {col: "k.amount", kind: kindInt, value: func(k *crm.Contract) string { return intKey(int64(k.Amount)) }},
		"amount_due":   {col: "k.amount_due", kind: kindInt, value: func(k *crm.Contract) string { return intKey(int64(k.AmountDue)) }},
		"status":       {col: "k.status", kind: kindText, value: func(k *crm.Contract) string { return string(k.Status) }},
		"date_created": {col: "k.date_created", kind: kindTime, value: func(k *crm.Contract) string { return timeKey(k.DateCreated) }},
		"date_updated": {col: "k.date_updated", kind: kindTime, value: func(k *crm.Contract) string { return timeKey(k.DateUpdated) }},
	},
	id:   func(k *crm.Contract) int64 { return k.ID },
	scan: scanContract,
}

// CreateContract inserts k with its audit entries in one transaction, and sets k.ID and
// k.Version.
func (s *Store) CreateContract(ctx context.Context, k *crm.Contract, audit []crm.AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error {
		var id int64
		// The contract's search text is a copy of its client's (migration 0024).
		err := s.queryRow(ctx, tx, `INSERT INTO contracts (client_id, sales_contact_id, amount, amount_due, payment_due,
				status, signed_at, date_created, date_updated, version, search_text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, (SELECT search_text FROM clients WHERE id = ?)) RETURNING id`,
			k.ClientID, nullID(k.SalesContactID), int64(k.Amount), int64(k.AmountDue), s.d.nullDate(k.PaymentDue),
			string(k.Status), s.d.nullTime(k.SignedAt), s.d.time(k.DateCreated), s.d.time(k.DateUpdated), k.ClientID,
		).Scan(&id)
		if err != nil {
			return s.fail(err, refConflicts)
		}
		k.ID, k.Version = id, 1
		sn, err := snapOf(crm.ResourceContract, nil, k)
		if err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}

// FindContract returns the contract with id if it is within vis, ENOTFOUND otherwise.
func (s *Store) FindContract(ctx context.Context, id int64, vis crm.Visibility) (*crm.Contract, error) {
	return s.findContract(ctx, s.db, id, vis, "")
}

func (s *Store) findContract(ctx context.Context, q Querier, id int64, vis crm.Visibility, lock string) (*crm.Contract, error) {
	w := where{each: s.d.SupportEach}
	w.add("k.id = ?", id)
	w.visible(vis, contractsTable.scope)
	k, err := scanContract(s.queryRow(ctx, q, "SELECT "+contractCols+" FROM "+contractsTable.from+w.sql()+lock, w.args...))
	if isNoRows(err) {
		return nil, notFound("contract", id)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return k, nil
}

// clientMatches adds the client_* text filters on the client of a contract or an event (both
// have the client id in k.client_id). They reach only the clients within acc, through
// where.related: a contract whose client the caller cannot read matches none of them. (A
// contract's q, a search of its client's names, email and company, reads the contract's copy
// of the client's search text: where.clientText.)
func (w *where) clientMatches(d *Dialect, acc crm.Access, firstName, lastName, email string) {
	w.related("k.client_id", clientsTable, acc, func(m *where) {
		m.search(d, clientSearch, "", fieldFilter{"c.first_name_fold", firstName},
			fieldFilter{"c.last_name_fold", lastName}, fieldFilter{"c.email_fold", email})
	})
}

// ListContracts returns one page of the contracts within acc.Contracts that match f.
func (s *Store) ListContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) ([]*crm.Contract, string, error) {
	each, few, err := s.supportEach(ctx, contractsTable, acc)
	if err != nil {
		return nil, "", err
	}
	w := s.contractWhere(f, acc, each)
	w.few = few
	return list(ctx, s, contractListing, w, f.ListOptions)
}

// CountContracts returns how many contracts within acc.Contracts match f, whatever its paging
// and sort.
func (s *Store) CountContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) (int, error) {
	return count(ctx, s, contractListing, s.contractWhere(f, acc, false))
}

// contractWhere is the condition of the contracts within acc that match f, shared by their list
// and their count. The client filters reach the clients within acc only.
func (s *Store) contractWhere(f crm.ContractFilter, acc crm.Access, each bool) *where {
	w := readable(contractsTable, acc, each)
	w.eqID("k.client_id", f.ClientID)
	w.clientText(s.d, acc, f.Q)
	w.clientMatches(s.d, acc, f.ClientFirstName, f.ClientLastName, f.ClientEmail)
	w.eqID("k.sales_contact_id", f.SalesContactID)
	if f.Amount != nil {
		w.add("k.amount = ?", int64(*f.Amount))
	}
	if f.AmountMin != nil {
		w.add("k.amount >= ?", int64(*f.AmountMin))
	}
	if f.AmountMax != nil {
		w.add("k.amount <= ?", int64(*f.AmountMax))
	}
	w.day(s.d, "k.date_created", f.DateCreated)
	w.eqText("k.status", string(f.Status))
	if f.Unpaid {
		w.add("k.amount_due > 0")
	}
	return w
}

// UpdateContract locks the contract with id within ws.Read and, if it is within ws.Write, its
// client, and calls fn with both and with whether the contract is within sign. It writes the
// changed contract, the client when fn says it changed it, and the audit entries in one
// transaction. The contract's client never changes.
func (s *Store) UpdateContract(ctx context.Context, id int64, ws crm.WriteScope, sign crm.Visibility, fn func(*crm.Contract, *crm.Client, bool) (crm.ContractChange, error)) (*crm.Contract, error) {
	var out *crm.Contract
	err := s.inTx(ctx, func(tx Tx) error {
		// The client first, then the contract: a change to the client's search text rewrites its
		// contracts' copies (migration 0024) after locking the client, and the two orders could
		// deadlock.
		if lock := s.d.lockToUpdate("c"); lock != "" {
			if _, err := s.exec(ctx, tx, "SELECT c.id FROM clients c WHERE c.id = (SELECT client_id FROM contracts WHERE id = ?)"+lock, id); err != nil {
				return s.fail(err, nil)
			}
		}
		k, flags, err := lockForWrite(ctx, s, tx, contractsTable, "contract", contractCols, scanContract, id, ws, s.d.lockToUpdate("k"), sign)
		if err != nil {
			return err
		}
		clientID := k.ClientID
		cl, err := s.findClient(ctx, tx, clientID, crm.Everything, s.d.lockToUpdate("c"))
		if err != nil {
			return err
		}
		version, clientVersion := k.Version, cl.Version
		before, err := snapshot(k)
		if err != nil {
			return err
		}
		clientBefore, err := snapshot(cl)
		if err != nil {
			return err
		}
		change, err := fn(k, cl, flags[0])
		if err != nil {
			return err
		}
		k.ID, k.ClientID = id, clientID
		if _, err := s.exec(ctx, tx, `UPDATE contracts SET sales_contact_id = ?, amount = ?, amount_due = ?,
				payment_due = ?, status = ?, signed_at = ?, date_updated = ?, version = version + 1
			WHERE id = ?`,
			nullID(k.SalesContactID), int64(k.Amount), int64(k.AmountDue), s.d.nullDate(k.PaymentDue),
			string(k.Status), s.d.nullTime(k.SignedAt), s.d.time(k.DateUpdated), id); err != nil {
			return s.fail(err, refConflicts)
		}
		snaps := make([]snap, 0, 2)
		if change.ClientChanged {
			cl.ID = clientID
			if err := s.writeClient(ctx, tx, cl); err != nil {
				return err
			}
			cl.Version = clientVersion + 1
			clientAfter, err := snapshot(cl)
			if err != nil {
				return err
			}
			snaps = append(snaps, snap{crm.ResourceClient, clientBefore, clientAfter})
		}
		k.Version = version + 1
		after, err := snapshot(k)
		if err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, change.Audit, id, append(snaps, snap{crm.ResourceContract, before, after})...); err != nil {
			return err
		}
		out = k
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteContract locks the contract with id within ws.Read, calls fn if it is within ws.Write, and deletes the contract with
// the audit entries in one transaction. Returns ECONFLICT while the contract has events.
func (s *Store) DeleteContract(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Contract) ([]crm.AuditEntry, error)) error {
	return s.inTx(ctx, func(tx Tx) error {
		k, _, err := lockForWrite(ctx, s, tx, contractsTable, "contract", contractCols, scanContract, id, ws, s.d.lockToDelete("k"))
		if err != nil {
			return err
		}
		sn, err := snapOf[crm.Contract](crm.ResourceContract, k, nil)
		if err != nil {
			return err
		}
		audit, err := fn(k)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM contracts WHERE id = ?", id); err != nil {
			return s.fail(err, contractConflicts)
		}
		return s.writeAudit(ctx, tx, audit, id, sn)
	})
}
