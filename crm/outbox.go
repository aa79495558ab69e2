package crm

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"strings"
	"time"
)

// Change is one committed write as the change log (the transactional outbox) holds it.
//
// A store writes the change rows of a write in the transaction of the write, next to its audit
// entries: a write that rolls back leaves no change, and a committed write is never missing one.
type Change struct {
	Seq        int64           // position in the change log: strictly increasing in commit order
	ID         string          // unique stable id of the change, e.g. "chg_" + 26 base32 chars (webhook-id)
	Type       string          // one of the ChangeType constants below
	At         time.Time       // when the write committed (UTC, microseconds)
	ActorID    int64           // who made it (0: the system)
	Resource   Resource        // ResourceClient, ResourceContract, ResourceEvent, ResourceUser
	ResourceID int64           // the id of the changed record
	Record     json.RawMessage // the record after the change, as the API shows it to management; JSON null after a delete
	Before     json.RawMessage // the record before the change; JSON null for a create
}

// ChangeLog reads the change log. Stores implement it.
type ChangeLog interface {
	// ChangesAfter returns at most limit committed changes with Seq > after, in Seq order.
	// A change never appears later with a Seq lower than one already returned.
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error)
	// LastChangeSeq returns the Seq of the newest committed change, 0 when there is none.
	LastChangeSeq(ctx context.Context) (int64, error)
}

// The types of changes: "<resource>.<what happened>".
const (
	ChangeClientCreated              = "client.created"
	ChangeClientUpdated              = "client.updated"
	ChangeClientDeleted              = "client.deleted"
	ChangeClientSalesContactAssigned = "client.sales_contact_assigned"

	ChangeContractCreated              = "contract.created"
	ChangeContractUpdated              = "contract.updated"
	ChangeContractDeleted              = "contract.deleted"
	ChangeContractSigned               = "contract.signed"
	ChangeContractSalesContactAssigned = "contract.sales_contact_assigned"

	ChangeEventCreated         = "event.created"
	ChangeEventUpdated         = "event.updated"
	ChangeEventDeleted         = "event.deleted"
	ChangeEventSupportAssigned = "event.support_assigned"

	ChangeUserCreated = "user.created"
	ChangeUserUpdated = "user.updated"
	ChangeUserDeleted = "user.deleted"
)

// ChangeTypes lists every change type.
var ChangeTypes = []string{
	ChangeClientCreated, ChangeClientUpdated, ChangeClientDeleted, ChangeClientSalesContactAssigned,
	ChangeContractCreated, ChangeContractUpdated, ChangeContractDeleted, ChangeContractSigned,
	ChangeContractSalesContactAssigned,
	ChangeEventCreated, ChangeEventUpdated, ChangeEventDeleted, ChangeEventSupportAssigned,
	ChangeUserCreated, ChangeUserUpdated, ChangeUserDeleted,
}

// ValidChangeType reports whether t is one of ChangeTypes.
func ValidChangeType(t string) bool {
	for _, x := range ChangeTypes {
		if x == t {
			return true
		}
	}
	return false
}

// ChangeTypeOf returns the change type of an audit entry's action on a resource: create,
// update and delete give "<resource>.created", ".updated" and ".deleted"; assign gives the
// assignment of the record's contact (the sales contact of a client or contract, the support
// contact of an event); sign gives "contract.signed". It returns "" for an action that changes
// nothing (read) or a resource without changes (the audit log).
func ChangeTypeOf(res Resource, act Action) string {
	switch res {
	case ResourceUser, ResourceClient, ResourceContract, ResourceEvent:
	default:
		return ""
	}
	var t string
	switch act {
	case ActionCreate:
		t = string(res) + ".created"
	case ActionUpdate:
		t = string(res) + ".updated"
	case ActionDelete:
		t = string(res) + ".deleted"
	case ActionAssign:
		switch res {
		case ResourceEvent:
			t = ChangeEventSupportAssigned
		case ResourceClient, ResourceContract:
			t = string(res) + ".sales_contact_assigned"
		default:
			t = string(res) + ".updated"
		}
	case ActionSign:
		t = string(res) + ".signed"
	}
	if !ValidChangeType(t) {
		return ""
	}
	return t
}

// changeIDEncoding is lower-case base32 without padding: 16 random bytes make 26 characters.
var changeIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewMessageID returns a new unique id with prefix: prefix + "_" + 26 lower-case base32
// characters of 128 random bits, e.g. NewMessageID("chg") for a change.
func NewMessageID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics rather than return an error)
	return prefix + "_" + changeIDEncoding.EncodeToString(b[:])
}

// NewChangeID returns a new change id: "chg_" and 26 base32 characters.
func NewChangeID() string { return NewMessageID("chg") }

// IsChangeID reports whether id has the form of NewChangeID.
func IsChangeID(id string) bool {
	rest, ok := strings.CutPrefix(id, "chg_")
	if !ok || len(rest) != 26 {
		return false
	}
	_, err := changeIDEncoding.DecodeString(rest)
	return err == nil
}
