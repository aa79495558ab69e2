package crm

import (
	"context"
	"errors"
	"time"
)

// ContractStatus tells an open contract from a signed one.
type ContractStatus string

// Contract statuses. A contract is created open; once signed it stays signed.
const (
	ContractOpen   ContractStatus = "open"
	ContractSigned ContractStatus = "signed"
)

// Valid reports whether s is a known status.
func (s ContractStatus) Valid() bool { return s == ContractOpen || s == ContractSigned }

// Contract is an agreement with a client for an event.
type Contract struct {
	ID             int64          `json:"id"`
	ClientID       int64          `json:"client_id"`
	SalesContactID *int64         `json:"sales_contact_id"`
	Amount         Money          `json:"amount"`
	AmountDue      Money          `json:"amount_due"`
	PaymentDue     *Date          `json:"payment_due"`
	Status         ContractStatus `json:"status"`
	SignedAt       *time.Time     `json:"signed_at"`
	DateCreated    time.Time      `json:"date_created"`
	DateUpdated    time.Time      `json:"date_updated"`
	// Version counts the writes of the record; it is the record's ETag.
	Version int64 `json:"-"`
}

// ContractInput holds the fields of a contract that a caller sets, on create and on update.
// ClientID can only be set on create.
type ContractInput struct {
	ClientID       Opt[int64]          `json:"client_id"`
	SalesContactID Opt[*int64]         `json:"sales_contact_id"`
	Amount         Opt[Money]          `json:"amount"`
	AmountDue      Opt[Money]          `json:"amount_due"`
	PaymentDue     Opt[*Date]          `json:"payment_due"`
	Status         Opt[ContractStatus] `json:"status"`
}

// ContractFilter narrows a list of contracts. Text fields match case-insensitively anywhere.
type ContractFilter struct {
	Q               string // the client's first or last name, email or company
	ClientID        *int64
	ClientFirstName string
	ClientLastName  string
	ClientEmail     string
	SalesContactID  *int64
	Amount          *Money
	AmountMin       *Money
	AmountMax       *Money
	DateCreated     *Date // created on that day (UTC)
	Status          ContractStatus
	Unpaid          bool // amount_due > 0
	ListOptions
}

// ContractSortable lists the fields a list of contracts can be sorted by.
var ContractSortable = []string{"id", "amount", "amount_due", "status", "date_created", "date_updated"}

// ContractStore keeps contracts.
type ContractStore interface {
	// CreateContract inserts c, setting its ID and Version, and writes the audit entries (their
	// ResourceID set to the new ID) in the same transaction.
	CreateContract(ctx context.Context, c *Contract, audit []AuditEntry) error
	// FindContract returns the contract with id if it is within vis, ENOTFOUND otherwise.
	FindContract(ctx context.Context, id int64, vis Visibility) (*Contract, error)
	// FindContracts returns the contracts among ids that are within vis, in id order: one read
	// for many ids. Ids of no contract, or of one outside vis, are left out.
	FindContracts(ctx context.Context, ids []int64, vis Visibility) ([]*Contract, error)
	// ListContracts returns one page of the contracts within acc.Contracts that match f, and the
	// cursor of the next page ("" on the last). The client filters (Q, ClientFirstName,
	// ClientLastName, ClientEmail) match only clients within acc.Clients, so a contract whose
	// client the caller cannot read matches none of them. Returns EMALFORMED for a bad cursor.
	ListContracts(ctx context.Context, f ContractFilter, acc Access) ([]*Contract, string, error)
	// CountContracts returns how many contracts ListContracts returns for f and acc over all its
	// pages. It ignores the paging and sort options of f.
	CountContracts(ctx context.Context, f ContractFilter, acc Access) (int, error)
	// UpdateContract locks the contract with id if it is within ws.Read (ENOTFOUND otherwise),
	// and, if it is within ws.Write (ErrNotWritable otherwise, without calling fn), locks its
	// client and calls fn with both, and with whether the contract is within sign (read under the
	// same lock). If fn returns an error nothing is written; otherwise the changed contract (its
	// Version incremented), the client if the ContractChange says fn changed it (its Version
	// incremented too) and the audit entries commit in one transaction.
	UpdateContract(ctx context.Context, id int64, ws WriteScope, sign Visibility, fn func(k *Contract, cl *Client, maySign bool) (ContractChange, error)) (*Contract, error)
	// DeleteContract locks the contract with id if it is within ws.Read (ENOTFOUND otherwise)
	// and, if it is within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn, and
	// deletes it with the audit entries in one transaction. Returns ECONFLICT while the contract
	// has events.
	DeleteContract(ctx context.Context, id int64, ws WriteScope, fn func(*Contract) ([]AuditEntry, error)) error
}

// ContractChange is what the update function of UpdateContract changed, so that the store
// writes exactly that: the contract always, its client only when ClientChanged.
type ContractChange struct {
	// Audit are the audit entries to write with the change.
	Audit []AuditEntry
	// ClientChanged says that the function changed the client it was given (signing converts
	// a potential client), which the store then writes with its Version incremented.
	ClientChanged bool
}

// apply sets the given fields of in on c (except the client and the contact), collecting every
// invalid one.
func (in *ContractInput) apply(c *Contract, fe *fieldErrors) {
	if in.Amount.Set {
		c.Amount = in.Amount.Value
	}
	if in.AmountDue.Set {
		c.AmountDue = in.AmountDue.Value
	}
	if in.PaymentDue.Set {
		c.PaymentDue = in.PaymentDue.Value
	}
	if in.SalesContactID.Set {
		c.SalesContactID = in.SalesContactID.Value
	}
	if in.Status.Set {
		if !in.Status.Value.Valid() {
			fe.add("status", FieldInvalidChoice, "must be open or signed")
		} else {
			c.Status = in.Status.Value
		}
	}
	if c.Amount < 0 {
		fe.add("amount", FieldOutOfRange, "must not be negative")
	}
	if c.AmountDue < 0 || c.AmountDue > c.Amount {
		fe.add("amount_due", FieldOutOfRange, "must be between 0.00 and the amount (%s)", c.Amount)
	}
}

func contractChanges(old, new *Contract, all bool) map[string][2]any {
	c := map[string][2]any{}
	diff(c, all, "client_id", old.ClientID, new.ClientID)
	diff(c, all, "sales_contact_id", old.SalesContactID, new.SalesContactID)
	diff(c, all, "amount", old.Amount, new.Amount)
	diff(c, all, "amount_due", old.AmountDue, new.AmountDue)
	diff(c, all, "payment_due", old.PaymentDue, new.PaymentDue)
	diff(c, all, "status", old.Status, new.Status)
	diff(c, all, "signed_at", old.SignedAt, new.SignedAt)
	return c
}

// clientWithin reports whether client c is within vis. For the assigned scope it asks the store,
// which alone knows the client's events.
func (s *Service) clientWithin(ctx context.Context, c *Client, vis Visibility) (bool, error) {
	if vis.Any || vis.OwnerID != nil && eqID(vis.OwnerID, c.SalesContactID) {
		return true, nil
	}
	if vis.SupportID == nil {
		return false, nil
	}
	_, err := s.clients.FindClient(ctx, c.ID, Visibility{SupportID: vis.SupportID})
	if ErrorCode(err) == ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

// CreateContract creates an open contract for a client the caller can read, and within the
// client scope of the caller's create permission (sales: their own clients). Its sales contact
// defaults to the client's; amount_due defaults to the amount.
func (s *Service) CreateContract(ctx context.Context, in ContractInput) (*Contract, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	createVis := s.visibility(a, ResourceContract, ActionCreate)
	if createVis.None() {
		return nil, Errorf(EFORBIDDEN, "you may not create contracts")
	}
	var fe fieldErrors
	if !in.ClientID.Set {
		fe.add("client_id", FieldRequired, "required")
	}
	if !in.Amount.Set {
		fe.add("amount", FieldRequired, "required")
	}
	if in.Status.Set && in.Status.Value != ContractOpen {
		fe.add("status", FieldInvalidChoice, "a new contract is open: sign it once it is created")
	}
	var client *Client
	if in.ClientID.Set {
		client, err = s.clients.FindClient(ctx, in.ClientID.Value, s.visibility(a, ResourceClient, ActionRead))
		switch {
		case ErrorCode(err) == ENOTFOUND:
			fe.add("client_id", FieldNotFoundReference, "no client with id %d", in.ClientID.Value)
		case err != nil:
			return nil, err
		default:
			ok, err := s.clientWithin(ctx, client, createVis)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, forbiddenField("client_id", Textf("you may not create contracts for this client"))
			}
		}
	}
	if err := s.checkUserRef(ctx, "sales_contact_id", in.SalesContactID, RoleSales, &fe); err != nil {
		return nil, err
	}
	now := s.clock()
	c := &Contract{Status: ContractOpen, DateCreated: now, DateUpdated: now}
	var def *int64
	if client != nil {
		c.ClientID = client.ID
		def = client.SalesContactID
	}
	c.SalesContactID = def
	if !in.AmountDue.Set {
		in.AmountDue = in.Amount
	}
	in.apply(c, &fe)
	if err := s.checkAssign(a, ResourceContract, "sales_contact_id", def, c.SalesContactID, def); err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	e := s.entry(a, ActionCreate, ResourceContract, 0, contractChanges(&Contract{}, c, true))
	if err := s.contracts.CreateContract(ctx, c, []AuditEntry{e}); err != nil {
		return nil, err
	}
	return c, nil
}

// GetContract returns a contract within the caller's read scope (ENOTFOUND otherwise).
func (s *Service) GetContract(ctx context.Context, id int64) (*Contract, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.contracts.FindContract(ctx, id, s.visibility(a, ResourceContract, ActionRead))
}

// ListContracts returns a page of the contracts within the caller's read scope that match f.
func (s *Service) ListContracts(ctx context.Context, f ContractFilter) ([]*Contract, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	if err := f.normalize(ContractSortable); err != nil {
		return nil, "", err
	}
	acc := s.readAccess(a)
	if acc.Contracts.None() {
		return nil, "", nil
	}
	return s.contracts.ListContracts(ctx, f, acc)
}

// CountContracts returns how many contracts within the caller's read scope match f: the length
// of the whole list that ListContracts pages through, for a user interface that shows it. The
// paging and sort options of f are ignored. A caller who may read no contract gets 0.
func (s *Service) CountContracts(ctx context.Context, f ContractFilter) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	acc := s.readAccess(a)
	if acc.Contracts.None() {
		return 0, nil
	}
	f.ListOptions = ListOptions{}
	return s.contracts.CountContracts(ctx, f, acc)
}

// check refuses a filter value that names no contract status (EMALFORMED).
func (f *ContractFilter) check() error {
	if err := checkFilterText("q", f.Q, "client_first_name", f.ClientFirstName, "client_last_name", f.ClientLastName, "client_email", f.ClientEmail); err != nil {
		return err
	}
	if f.Status != "" && !f.Status.Valid() {
		return Errorf(EMALFORMED, "unknown contract status %s", f.Status).
			withFields(FieldError{Field: "status", Code: FieldInvalidChoice, Message: "must be open or signed"})
	}
	return nil
}

// UpdateContract changes the given fields of a contract. Setting the status to signed takes the
// sign permission on the contract and converts its client (see SignContract); a signed
// contract cannot be reopened (ECONFLICT); the client cannot be changed. Setting the sales
// contact takes the assign permission. ifVersion, when not 0, must be the current version.
func (s *Service) UpdateContract(ctx context.Context, id int64, in ContractInput, ifVersion int64) (*Contract, error) {
	return s.writeContract(ctx, id, in, ifVersion, ActionUpdate)
}

// SignContract marks an open contract signed, records when, and makes its client an existing
// client, all in one transaction. It takes the sign permission (sales: their own contracts).
// Signing a signed contract is refused (ECONFLICT).
func (s *Service) SignContract(ctx context.Context, id int64, ifVersion int64) (*Contract, error) {
	return s.writeContract(ctx, id, ContractInput{Status: Some(ContractSigned)}, ifVersion, ActionSign)
}

// writeContract updates a contract under the permission of act (update or sign). An update that
// signs takes the sign permission on the contract too. The store reads the contract once, under
// its lock, and decides there between ENOTFOUND (unreadable) and EFORBIDDEN (outside act's scope).
func (s *Service) writeContract(ctx context.Context, id int64, in ContractInput, ifVersion int64, act Action) (*Contract, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var refErrs fieldErrors
	if err := s.checkUserRef(ctx, "sales_contact_id", in.SalesContactID, RoleSales, &refErrs); err != nil {
		return nil, err
	}
	var unchanged Contract
	ws := s.writeScope(a, ResourceContract, act)
	sign := s.visibility(a, ResourceContract, ActionSign)
	c, err := s.contracts.UpdateContract(ctx, id, ws, sign, func(c *Contract, cl *Client, maySign bool) (ContractChange, error) {
		if act == ActionSign && c.Status == ContractSigned {
			return ContractChange{}, Errorf(ECONFLICT, "the contract is already signed")
		}
		signing := in.Status.Set && in.Status.Value == ContractSigned && c.Status != ContractSigned
		if signing && !maySign {
			return ContractChange{}, forbiddenField("status", Textf("you may not sign this contract"))
		}
		if err := checkVersion(ifVersion, c.Version); err != nil {
			return ContractChange{}, err
		}
		old := *c
		if in.ClientID.Set && in.ClientID.Value != c.ClientID {
			return ContractChange{}, &Error{Code: EINVALID, Message: "a contract cannot move to another client",
				Fields: []FieldError{{Field: "client_id", Code: FieldImmutable, Message: "cannot be changed"}}}
		}
		if in.Status.Set && in.Status.Value == ContractOpen && c.Status == ContractSigned {
			return ContractChange{}, Errorf(ECONFLICT, "a signed contract cannot be reopened")
		}
		fe := refErrs.unlessUnchanged("sales_contact_id", old.SalesContactID, in.SalesContactID)
		in.apply(c, &fe)
		if err := s.checkAssign(a, ResourceContract, "sales_contact_id", old.SalesContactID, c.SalesContactID, old.SalesContactID); err != nil {
			return ContractChange{}, err
		}
		if err := fe.err(); err != nil {
			return ContractChange{}, err
		}
		if len(contractChanges(&old, c, false)) == 0 {
			unchanged = old
			return ContractChange{}, errUnchanged
		}
		now := s.clock()
		c.DateUpdated = now
		var change ContractChange
		action := actionOf(contractChanges(&old, c, false), "sales_contact_id")
		var clientEntry []AuditEntry
		if c.Status == ContractSigned && old.Status != ContractSigned {
			c.SignedAt = &now
			action = ActionSign
			if cl.Status != ClientExisting {
				oldClient := *cl
				cl.Status = ClientExisting
				cl.DateUpdated = now
				change.ClientChanged = true
				clientEntry = append(clientEntry, s.entry(a, ActionUpdate, ResourceClient, cl.ID, clientChanges(&oldClient, cl, false)))
			}
		}
		change.Audit = append([]AuditEntry{s.entry(a, action, ResourceContract, id, contractChanges(&old, c, false))}, clientEntry...)
		return change, nil
	})
	if errors.Is(err, errUnchanged) {
		return &unchanged, nil
	}
	return c, forbiddenWrite(err, "you may not %s this contract", act)
}

// DeleteContract deletes a contract. It is refused (ECONFLICT) while the contract has events.
func (s *Service) DeleteContract(ctx context.Context, id int64, ifVersion int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.contracts.DeleteContract(ctx, id, s.writeScope(a, ResourceContract, ActionDelete), func(c *Contract) ([]AuditEntry, error) {
		if err := checkVersion(ifVersion, c.Version); err != nil {
			return nil, err
		}
		return []AuditEntry{s.entry(a, ActionDelete, ResourceContract, id, contractChanges(c, &Contract{}, true))}, nil
	})
	if ErrorCode(err) == ECONFLICT {
		return &Error{Code: ECONFLICT, Err: err, Message: "this contract still has events: delete them first"}
	}
	return forbiddenWrite(err, "you may not delete this contract")
}
