package crm

// TEMPORARY: the change log contract (crm/outbox.go on dev/outbox), until that branch is merged.

import (
	"context"
	"encoding/json"
	"time"
)

// Change is one committed write as the change log holds it.
type Change struct {
	Seq        int64
	ID         string
	Type       string
	At         time.Time
	ActorID    int64
	Resource   Resource
	ResourceID int64
	Record     json.RawMessage
	Before     json.RawMessage
}

// ChangeLog reads the change log.
type ChangeLog interface {
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error)
	LastChangeSeq(ctx context.Context) (int64, error)
}

// Change types.
const (
	ChangeClientCreated = "client.created"
	ChangeClientUpdated = "client.updated"
	ChangeClientDeleted = "client.deleted"
	ChangeEventCreated  = "event.created"
	ChangeEventUpdated  = "event.updated"
	ChangeEventDeleted  = "event.deleted"
)
