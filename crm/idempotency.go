package crm

import (
	"context"
	"sync/atomic"
	"time"
)

// Idempotency keys let a client retry a write whose answer it never received without writing
// twice: the first request under a key reserves it, the write stores its answer with the key in
// the write's own transaction, and a retry under the same key gets that stored answer back. The
// delivery adapter (the REST API's Idempotency-Key header) drives it through IdempotencyStore;
// the store learns that a write answers a reserved key through the context
// (WithIdempotencyClaim), so that no use case needs a parameter for it.

// IdempotencyState is what reserving a key found.
type IdempotencyState int

const (
	// IdempotencyReserved: the key was free (new, expired, or left by a request whose lease
	// ran out); the caller now holds it and goes ahead with the write.
	IdempotencyReserved IdempotencyState = iota + 1
	// IdempotencyReplay: the key holds the answer of an earlier request with the same
	// fingerprint; the caller returns that answer and writes nothing.
	IdempotencyReplay
	// IdempotencyMismatch: the key was used for a different request (another fingerprint).
	IdempotencyMismatch
	// IdempotencyInFlight: a request with this key is still running (its lease is live).
	IdempotencyInFlight
)

// IdempotencyRequest asks to reserve a key.
type IdempotencyRequest struct {
	// Owner is the authenticated caller (a user id): keys of different callers never meet.
	Owner int64
	// Key is the client's key, as sent (validated by the adapter).
	Key string
	// Fingerprint identifies the request (method, path and body): the same key with another
	// fingerprint is refused.
	Fingerprint string
	// Now is the current time.
	Now time.Time
	// Lease is how long the reservation holds while its request runs: a process that dies
	// mid-request leaves a reservation that a retry may take over once the lease ends.
	Lease time.Duration
	// TTL is how long a key is remembered after it was first reserved.
	TTL time.Duration
}

// IdempotentResponse is the stored answer of a request made under a key, replayed as it was.
type IdempotentResponse struct {
	// Status is the answer's status code, as the adapter that stored it numbers them.
	Status int `json:"status"`
	// Headers are the headers to replay with it (such as Location and ETag).
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the answer's body.
	Body []byte `json:"-"`
}

// IdempotencyReservation is the outcome of reserving a key.
type IdempotencyReservation struct {
	State IdempotencyState
	// Claim is the reservation the caller holds when State is IdempotencyReserved.
	Claim *IdempotencyClaim
	// Response is the stored answer when State is IdempotencyReplay.
	Response *IdempotentResponse
}

// IdempotencyClaim is a held reservation of a key. Put it in the context of the write
// (WithIdempotencyClaim): the store then completes it, with the answer Respond renders from the
// record the write produced, in the write's own transaction, so that a committed write always
// has its stored answer and a failed one has none.
type IdempotencyClaim struct {
	Owner int64
	Key   string
	// Token identifies this holder of the reservation: only it may complete or release it.
	Token string
	// Respond renders the answer of the write from the record it wrote: the record's JSON form
	// (as the use case returns it), its id and its version.
	Respond   func(record []byte, id, version int64) IdempotentResponse
	completed atomic.Bool
}

// MarkCompleted records that the claim's answer is stored (the store calls it after the commit
// that stored it).
func (c *IdempotencyClaim) MarkCompleted() { c.completed.Store(true) }

// Completed reports whether the claim's answer is stored.
func (c *IdempotencyClaim) Completed() bool { return c.completed.Load() }

// IdempotencyStore keeps idempotency keys and their answers. Each method runs in its own short
// transaction; the answer of a record write is stored by the write's own transaction instead
// (see IdempotencyClaim).
type IdempotencyStore interface {
	// ReserveIdempotencyKey reserves r.Key for r.Owner, or reports the answer stored under it,
	// a different request that used it, or a request still holding it. It also forgets keys
	// whose TTL has passed, now and then.
	ReserveIdempotencyKey(ctx context.Context, r IdempotencyRequest) (IdempotencyReservation, error)
	// CompleteIdempotencyKey stores resp under a claim whose write stored no answer itself (a
	// request that wrote no record). ECONFLICT when the claim is no longer held.
	CompleteIdempotencyKey(ctx context.Context, c *IdempotencyClaim, resp IdempotentResponse) error
	// ReleaseIdempotencyKey drops a claim whose request failed, so that a retry runs it again.
	// A completed key is left alone.
	ReleaseIdempotencyKey(ctx context.Context, c *IdempotencyClaim) error
	// PruneIdempotencyKeys deletes the keys whose TTL ended before now and returns how many.
	PruneIdempotencyKeys(ctx context.Context, now time.Time) (int64, error)
}

type idempotencyCtxKey struct{}

// WithIdempotencyClaim returns ctx carrying c, for the store's write transaction.
func WithIdempotencyClaim(ctx context.Context, c *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, idempotencyCtxKey{}, c)
}

// IdempotencyClaimFrom returns the claim ctx carries, or nil.
func IdempotencyClaimFrom(ctx context.Context) *IdempotencyClaim {
	c, _ := ctx.Value(idempotencyCtxKey{}).(*IdempotencyClaim)
	return c
}
