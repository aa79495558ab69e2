package csvsafe

import (
	"encoding/json"
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// ClientColumns are the columns of an export of clients. Their names are those of the API's
// JSON fields, and those an import of clients reads.
var ClientColumns = []Column[*crm.Client]{
	{"id", func(c *crm.Client) string { return ID(c.ID) }},
	{"first_name", func(c *crm.Client) string { return c.FirstName }},
	{"last_name", func(c *crm.Client) string { return c.LastName }},
	{"email", func(c *crm.Client) string { return c.Email }},
	{"phone", func(c *crm.Client) string { return c.Phone }},
	{"mobile", func(c *crm.Client) string { return c.Mobile }},
	{"company", func(c *crm.Client) string { return c.Company }},
	{"status", func(c *crm.Client) string { return string(c.Status) }},
	{"sales_contact_id", func(c *crm.Client) string { return IDPtr(c.SalesContactID) }},
	{"date_created", func(c *crm.Client) string { return Time(c.DateCreated) }},
	{"date_updated", func(c *crm.Client) string { return Time(c.DateUpdated) }},
}

// ContractColumns are the columns of an export of contracts.
var ContractColumns = []Column[*crm.Contract]{
	{"id", func(k *crm.Contract) string { return ID(k.ID) }},
	{"client_id", func(k *crm.Contract) string { return ID(k.ClientID) }},
	{"sales_contact_id", func(k *crm.Contract) string { return IDPtr(k.SalesContactID) }},
	{"amount", func(k *crm.Contract) string { return k.Amount.String() }},
	{"amount_due", func(k *crm.Contract) string { return k.AmountDue.String() }},
	{"payment_due", func(k *crm.Contract) string {
		if k.PaymentDue == nil {
			return ""
		}
		return k.PaymentDue.String()
	}},
	{"status", func(k *crm.Contract) string { return string(k.Status) }},
	{"signed_at", func(k *crm.Contract) string { return TimePtr(k.SignedAt) }},
	{"date_created", func(k *crm.Contract) string { return Time(k.DateCreated) }},
	{"date_updated", func(k *crm.Contract) string { return Time(k.DateUpdated) }},
}

// EventColumns are the columns of an export of events.
var EventColumns = []Column[*crm.Event]{
	{"id", func(e *crm.Event) string { return ID(e.ID) }},
	{"name", func(e *crm.Event) string { return e.Name }},
	{"contract_id", func(e *crm.Event) string { return ID(e.ContractID) }},
	{"client_id", func(e *crm.Event) string { return ID(e.ClientID) }},
	{"sales_contact_id", func(e *crm.Event) string { return IDPtr(e.SalesContactID) }},
	{"support_contact_id", func(e *crm.Event) string { return IDPtr(e.SupportContactID) }},
	{"event_date", func(e *crm.Event) string { return Time(e.EventDate) }},
	{"end_date", func(e *crm.Event) string { return TimePtr(e.EndDate) }},
	{"location", func(e *crm.Event) string { return e.Location }},
	{"attendees", func(e *crm.Event) string { return strconv.Itoa(e.Attendees) }},
	{"notes", func(e *crm.Event) string { return e.Notes }},
	{"status", func(e *crm.Event) string { return string(e.Status) }},
	{"date_created", func(e *crm.Event) string { return Time(e.DateCreated) }},
	{"date_updated", func(e *crm.Event) string { return Time(e.DateUpdated) }},
}

// UserColumns are the columns of an export of users (never a password hash).
var UserColumns = []Column[*crm.User]{
	{"id", func(u *crm.User) string { return ID(u.ID) }},
	{"username", func(u *crm.User) string { return u.Username }},
	{"email", func(u *crm.User) string { return u.Email }},
	{"first_name", func(u *crm.User) string { return u.FirstName }},
	{"last_name", func(u *crm.User) string { return u.LastName }},
	{"role", func(u *crm.User) string { return string(u.Role) }},
	{"is_active", func(u *crm.User) string { return Bool(u.IsActive) }},
	{"date_joined", func(u *crm.User) string { return Time(u.DateJoined) }},
	{"last_login", func(u *crm.User) string { return TimePtr(u.LastLogin) }},
}

// AuditColumns are the columns of an export of the audit log; changes is the JSON object of
// the changed fields' [old, new] values.
var AuditColumns = []Column[*crm.AuditEntry]{
	{"id", func(a *crm.AuditEntry) string { return ID(a.ID) }},
	{"at", func(a *crm.AuditEntry) string { return Time(a.At) }},
	{"actor_id", func(a *crm.AuditEntry) string { return ID(a.ActorID) }},
	{"actor_username", func(a *crm.AuditEntry) string { return a.ActorUsername }},
	{"actor_name", func(a *crm.AuditEntry) string { return a.ActorName }},
	{"action", func(a *crm.AuditEntry) string { return string(a.Action) }},
	{"resource", func(a *crm.AuditEntry) string { return string(a.Resource) }},
	{"resource_id", func(a *crm.AuditEntry) string { return ID(a.ResourceID) }},
	{"changes", func(a *crm.AuditEntry) string {
		b, err := json.Marshal(a.Changes)
		if err != nil {
			return ""
		}
		return string(b)
	}},
}
