package crm

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ClientStatus tells a prospect from a customer.
type ClientStatus string

// Client statuses. A client becomes existing when one of its contracts is signed.
const (
	ClientPotential ClientStatus = "potential"
	ClientExisting  ClientStatus = "existing"
)

// Valid reports whether s is a known status.
func (s ClientStatus) Valid() bool { return s == ClientPotential || s == ClientExisting }

// Client is a company contact, a prospect or a customer.
type Client struct {
	ID             int64        `json:"id"`
	FirstName      string       `json:"first_name"`
	LastName       string       `json:"last_name"`
	Email          string       `json:"email"`
	Phone          string       `json:"phone"`
	Mobile         string       `json:"mobile"`
	Company        string       `json:"company"`
	Status         ClientStatus `json:"status"`
	SalesContactID *int64       `json:"sales_contact_id"`
	DateCreated    time.Time    `json:"date_created"`
	DateUpdated    time.Time    `json:"date_updated"`
	// Version counts the writes of the record; it is the record's ETag.
	Version int64 `json:"-"`
}

// FullName returns "First Last".
func (c *Client) FullName() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// ClientInput holds the fields of a client that a caller sets, on create and on update.
type ClientInput struct {
	FirstName      Opt[string]       `json:"first_name"`
	LastName       Opt[string]       `json:"last_name"`
	Email          Opt[string]       `json:"email"`
	Phone          Opt[string]       `json:"phone"`
	Mobile         Opt[string]       `json:"mobile"`
	Company        Opt[string]       `json:"company"`
	Status         Opt[ClientStatus] `json:"status"`
	SalesContactID Opt[*int64]       `json:"sales_contact_id"`
}

// ClientFilter narrows a list of clients. Text fields match case-insensitively anywhere.
type ClientFilter struct {
	Q              string // first or last name, email or company
	FirstName      string
	LastName       string
	Email          string
	Company        string
	Status         ClientStatus
	SalesContactID *int64
	ListOptions
}

// ClientSortable lists the fields a list of clients can be sorted by.
var ClientSortable = []string{"id", "first_name", "last_name", "email", "company", "status", "date_created", "date_updated"}

// ClientStore keeps clients.
type ClientStore interface {
	// CreateClient inserts c, setting its ID and Version, and writes the audit entries (their
	// ResourceID set to the new ID) in the same transaction.
	CreateClient(ctx context.Context, c *Client, audit []AuditEntry) error
	// FindClient returns the client with id if it is within vis, ENOTFOUND otherwise.
	FindClient(ctx context.Context, id int64, vis Visibility) (*Client, error)
	// FindClients returns the clients among ids that are within vis, in id order: one read for
	// many ids. Ids of no client, or of one outside vis, are left out.
	FindClients(ctx context.Context, ids []int64, vis Visibility) ([]*Client, error)
	// ListClients returns one page of the clients within acc.Clients that match f, and the
	// cursor of the next page ("" on the last). A filter or sort on another resource's fields
	// reaches only that resource's records within acc (see Access). Returns EMALFORMED for a bad
	// cursor.
	ListClients(ctx context.Context, f ClientFilter, acc Access) ([]*Client, string, error)
	// CountClients returns how many clients ListClients returns for f and acc over all its
	// pages. It ignores the paging and sort options of f.
	CountClients(ctx context.Context, f ClientFilter, acc Access) (int, error)
	// UpdateClient locks the client with id if it is within ws.Read (ENOTFOUND otherwise) and, if
	// it is within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn with it. If fn returns an error nothing is written; otherwise the changed client (its
	// Version incremented) and the audit entries commit in one transaction.
	UpdateClient(ctx context.Context, id int64, ws WriteScope, fn func(*Client) ([]AuditEntry, error)) (*Client, error)
	// DeleteClient locks the client with id if it is within ws.Read (ENOTFOUND otherwise) and, if it is
	// within ws.Write (ErrNotWritable otherwise, without calling fn), calls fn,
	// and deletes it with the audit entries in one transaction. Returns ECONFLICT while the
	// client has contracts.
	DeleteClient(ctx context.Context, id int64, ws WriteScope, fn func(*Client) ([]AuditEntry, error)) error
}

const (
	maxPhoneLen   = 30
	maxCompanyLen = 250
)

// validPhone accepts digits, spaces and + - . ( ), with at least 4 digits.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-.()", r):
		default:
			return false
		}
	}
	return digits >= 4 && len(s) <= maxPhoneLen
}

// apply sets the given fields of in on c, collecting every invalid one. Contacts are checked by
// the caller, which knows who may set them.
func (in *ClientInput) apply(c *Client, fe *fieldErrors) {
	set := func(o Opt[string], dst *string) {
		if o.Set {
			*dst = strings.TrimSpace(o.Value)
		}
	}
	set(in.FirstName, &c.FirstName)
	set(in.LastName, &c.LastName)
	set(in.Email, &c.Email)
	set(in.Phone, &c.Phone)
	set(in.Mobile, &c.Mobile)
	set(in.Company, &c.Company)
	if in.Status.Set {
		c.Status = in.Status.Value
	}
	if in.SalesContactID.Set {
		c.SalesContactID = in.SalesContactID.Value
	}
	if c.FirstName == "" {
		fe.add("first_name", FieldRequired, "required")
	}
	if c.LastName == "" {
		fe.add("last_name", FieldRequired, "required")
	}
	checkLen(fe, "first_name", c.FirstName, maxNameLen)
	checkLen(fe, "last_name", c.LastName, maxNameLen)
	checkEmail(fe, c.Email)
	if c.Phone != "" && !validPhone(c.Phone) {
		fe.add("phone", FieldInvalidPhone, "a phone number: digits, spaces and + - . ( ), at most %d characters", maxPhoneLen)
	}
	if c.Mobile != "" && !validPhone(c.Mobile) {
		fe.add("mobile", FieldInvalidPhone, "a phone number: digits, spaces and + - . ( ), at most %d characters", maxPhoneLen)
	}
	checkLen(fe, "company", c.Company, maxCompanyLen)
	checkText(fe, "first_name", c.FirstName, false)
	checkText(fe, "last_name", c.LastName, false)
	checkText(fe, "company", c.Company, false)
	checkText(fe, "email", c.Email, false)
	if !c.Status.Valid() {
		fe.add("status", FieldInvalidChoice, "must be potential or existing")
	}
}

func clientChanges(old, new *Client, all bool) map[string][2]any {
	c := map[string][2]any{}
	diff(c, all, "first_name", old.FirstName, new.FirstName)
	diff(c, all, "last_name", old.LastName, new.LastName)
	diff(c, all, "email", old.Email, new.Email)
	diff(c, all, "phone", old.Phone, new.Phone)
	diff(c, all, "mobile", old.Mobile, new.Mobile)
	diff(c, all, "company", old.Company, new.Company)
	diff(c, all, "status", old.Status, new.Status)
	diff(c, all, "sales_contact_id", old.SalesContactID, new.SalesContactID)
	return c
}

// checkAssign refuses (403) a change of the contact field from old to new unless the caller
// holds the assign permission on res, or new is what the rules would set anyway (keepable).
func (s *Service) checkAssign(a *User, res Resource, field string, old, new, keepable *int64) error {
	if eqID(old, new) || eqID(new, keepable) || s.allowed(a, res, ActionAssign) {
		return nil
	}
	return forbiddenField(field, whyAssign)
}

// checkUserRef records in fe a contact field that does not name an active user of the wanted
// role. It runs before a write's transaction, so that no store is read while one is locked.
func (s *Service) checkUserRef(ctx context.Context, field string, o Opt[*int64], role Role, fe *fieldErrors) error {
	if !o.Set || o.Value == nil {
		return nil
	}
	u, err := s.users.FindUser(ctx, *o.Value, Everything)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (!u.IsActive || u.Role != role)) {
		fe.add(field, FieldNotFoundReference, "must be the id of an active %s user", role)
		return nil
	}
	return err
}

// unlessUnchanged returns a copy of the reference errors checked before a write, without the one
// of field when the input leaves the field as it is (old): a record whose contact was since
// deactivated can still be edited, and sending its current contact again (as a full update or
// a form does) is no change.
func (fe fieldErrors) unlessUnchanged(field string, old *int64, in Opt[*int64]) fieldErrors {
	out := make(fieldErrors, 0, len(fe))
	for _, e := range fe {
		if e.Field == field && in.Set && eqID(old, in.Value) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func eqID(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// CreateClient creates a client. A sales user's new client is theirs; a client created by
// management has the sales contact management names, or none. A new client is potential unless
// said otherwise.
func (s *Service) CreateClient(ctx context.Context, in ClientInput) (*Client, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.allowed(a, ResourceClient, ActionCreate) {
		return nil, Errorf(EFORBIDDEN, "you may not create clients")
	}
	now := s.clock()
	c := &Client{Status: ClientPotential, DateCreated: now, DateUpdated: now}
	var def *int64
	if a.Role == RoleSales {
		def = Ptr(a.ID)
	}
	c.SalesContactID = def
	var fe fieldErrors
	if err := s.checkUserRef(ctx, "sales_contact_id", in.SalesContactID, RoleSales, &fe); err != nil {
		return nil, err
	}
	in.apply(c, &fe)
	if err := s.checkAssign(a, ResourceClient, "sales_contact_id", def, c.SalesContactID, def); err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	e := s.entry(a, ActionCreate, ResourceClient, 0, clientChanges(&Client{}, c, true))
	if err := s.clients.CreateClient(ctx, c, []AuditEntry{e}); err != nil {
		return nil, err
	}
	return c, nil
}

// GetClient returns a client within the caller's read scope (ENOTFOUND otherwise).
func (s *Service) GetClient(ctx context.Context, id int64) (*Client, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.clients.FindClient(ctx, id, s.visibility(a, ResourceClient, ActionRead))
}

// ListClients returns a page of the clients within the caller's read scope that match f.
func (s *Service) ListClients(ctx context.Context, f ClientFilter) ([]*Client, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	if err := f.normalize(ClientSortable); err != nil {
		return nil, "", err
	}
	acc := s.readAccess(a)
	if acc.Clients.None() {
		return nil, "", nil
	}
	return s.clients.ListClients(ctx, f, acc)
}

// CountClients returns how many clients within the caller's read scope match f: the length of
// the whole list that ListClients pages through, for a user interface that shows it. The paging
// and sort options of f are ignored. A caller who may read no client gets 0.
func (s *Service) CountClients(ctx context.Context, f ClientFilter) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	acc := s.readAccess(a)
	if acc.Clients.None() {
		return 0, nil
	}
	f.ListOptions = ListOptions{}
	return s.clients.CountClients(ctx, f, acc)
}

// check refuses a filter value that names no client status (EMALFORMED).
func (f *ClientFilter) check() error {
	if err := checkFilterText("q", f.Q, "first_name", f.FirstName, "last_name", f.LastName, "email", f.Email, "company", f.Company); err != nil {
		return err
	}
	if f.Status != "" && !f.Status.Valid() {
		return Errorf(EMALFORMED, "unknown client status %s", f.Status).
			withFields(FieldError{Field: "status", Code: FieldInvalidChoice, Message: "must be potential or existing"})
	}
	return nil
}

// UpdateClient changes the given fields of a client. Setting the sales contact takes the assign
// permission. ifVersion, when not 0, must be the record's current version.
func (s *Service) UpdateClient(ctx context.Context, id int64, in ClientInput, ifVersion int64) (*Client, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var refErrs fieldErrors
	if err := s.checkUserRef(ctx, "sales_contact_id", in.SalesContactID, RoleSales, &refErrs); err != nil {
		return nil, err
	}
	var unchanged Client
	c, err := s.clients.UpdateClient(ctx, id, s.writeScope(a, ResourceClient, ActionUpdate), func(c *Client) ([]AuditEntry, error) {
		if err := checkVersion(ifVersion, c.Version); err != nil {
			return nil, err
		}
		old := *c
		fe := refErrs.unlessUnchanged("sales_contact_id", old.SalesContactID, in.SalesContactID)
		in.apply(c, &fe)
		if err := s.checkAssign(a, ResourceClient, "sales_contact_id", old.SalesContactID, c.SalesContactID, old.SalesContactID); err != nil {
			return nil, err
		}
		if err := fe.err(); err != nil {
			return nil, err
		}
		changes := clientChanges(&old, c, false)
		if len(changes) == 0 {
			unchanged = old
			return nil, errUnchanged
		}
		c.DateUpdated = s.clock()
		return []AuditEntry{s.entry(a, actionOf(changes, "sales_contact_id"), ResourceClient, id, changes)}, nil
	})
	if errors.Is(err, errUnchanged) {
		return &unchanged, nil
	}
	return c, forbiddenWrite(err, "you may not change this client")
}

// actionOf names the audited action of a change: assign when only contact fields changed,
// update otherwise.
func actionOf(changes map[string][2]any, contactFields ...string) Action {
	if len(changes) == 0 {
		return ActionUpdate
	}
	for f := range changes {
		found := false
		for _, cf := range contactFields {
			found = found || f == cf
		}
		if !found {
			return ActionUpdate
		}
	}
	return ActionAssign
}

// DeleteClient deletes a client. It is refused (ECONFLICT) while the client has contracts.
func (s *Service) DeleteClient(ctx context.Context, id int64, ifVersion int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.clients.DeleteClient(ctx, id, s.writeScope(a, ResourceClient, ActionDelete), func(c *Client) ([]AuditEntry, error) {
		if err := checkVersion(ifVersion, c.Version); err != nil {
			return nil, err
		}
		return []AuditEntry{s.entry(a, ActionDelete, ResourceClient, id, clientChanges(c, &Client{}, true))}, nil
	})
	if ErrorCode(err) == ECONFLICT {
		return &Error{Code: ECONFLICT, Err: err, Message: "this client still has contracts: delete them first"}
	}
	return forbiddenWrite(err, "you may not delete this client")
}
