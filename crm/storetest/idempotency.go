package storetest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// idemRequest is a reservation request of the tests: a 60 s lease and a 24 h TTL.
func idemRequest(owner int64, key, fingerprint string, now time.Time) crm.IdempotencyRequest {
	return crm.IdempotencyRequest{Owner: owner, Key: key, Fingerprint: fingerprint, Now: now,
		Lease: time.Minute, TTL: 24 * time.Hour}
}

// reserveKey reserves a key and checks the state it finds.
func (f *fixture) reserveKey(r crm.IdempotencyRequest, want crm.IdempotencyState) crm.IdempotencyReservation {
	f.t.Helper()
	res, err := f.s.ReserveIdempotencyKey(f.ctx, r)
	require.NoError(f.t, err)
	require.Equal(f.t, want, res.State)
	return res
}

// createUnderClaim creates a client with ctx carrying claim, the way the API's write does.
func (f *fixture) createUnderClaim(claim *crm.IdempotencyClaim) (*crm.Client, error) {
	claim.Respond = func(record []byte, id, version int64) crm.IdempotentResponse {
		return crm.IdempotentResponse{Status: 201, Body: record,
			Headers: map[string]string{"Location": "/clients/" + strconv.FormatInt(id, 10), "ETag": strconv.FormatInt(version, 10)}}
	}
	f.seq++
	c := &crm.Client{FirstName: "Idem", LastName: "Potent", Email: "idem" + strconv.Itoa(f.seq) + "@example.com",
		Status: crm.ClientPotential, DateCreated: f.now, DateUpdated: f.now}
	err := f.s.CreateClient(crm.WithIdempotencyClaim(f.ctx, claim), c, []crm.AuditEntry{
		f.entry(crm.ActionCreate, crm.ResourceClient, 0, map[string][2]any{"email": {nil, c.Email}})})
	return c, err
}

// testIdempotencyKeys checks the life of a key: reserved, answered by the write's own
// transaction, replayed, refused for another request or while held, taken over when its lease
// ends, forgotten when its TTL does, and scoped to its owner.
func testIdempotencyKeys(t *testing.T, f *fixture) {
	u, other := f.user(crm.RoleSales), f.user(crm.RoleSales)
	now := f.now

	res := f.reserveKey(idemRequest(u.ID, "k1", "fp1", now), crm.IdempotencyReserved)
	f.reserveKey(idemRequest(u.ID, "k1", "fp1", now), crm.IdempotencyInFlight)
	f.reserveKey(idemRequest(u.ID, "k1", "fp2", now), crm.IdempotencyMismatch)
	// Another owner's identical key is a key of its own.
	f.reserveKey(idemRequest(other.ID, "k1", "fp1", now), crm.IdempotencyReserved)

	// The write stores the answer in its own transaction: nothing else completes the claim.
	c, err := f.createUnderClaim(res.Claim)
	require.NoError(t, err)
	require.True(t, res.Claim.Completed())
	replay := f.reserveKey(idemRequest(u.ID, "k1", "fp1", now.Add(time.Hour)), crm.IdempotencyReplay)
	assert.Equal(t, 201, replay.Response.Status)
	assert.Equal(t, "/clients/"+strconv.FormatInt(c.ID, 10), replay.Response.Headers["Location"])
	assert.Equal(t, "1", replay.Response.Headers["ETag"])
	want, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(replay.Response.Body))
	// A completed key is not released, and still refuses another request.
	require.NoError(t, f.s.ReleaseIdempotencyKey(f.ctx, res.Claim))
	f.reserveKey(idemRequest(u.ID, "k1", "fp2", now.Add(time.Hour)), crm.IdempotencyMismatch)

	// After its TTL the key is forgotten and free again; pruning deletes it.
	later := now.Add(25 * time.Hour)
	n, err := f.s.PruneIdempotencyKeys(f.ctx, later)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(1))
	f.reserveKey(idemRequest(u.ID, "k1", "fp2", later), crm.IdempotencyReserved)
}

// testIdempotencyLease checks that a failed write stores nothing, that a released key runs
// again, and that a reservation whose lease ended is taken over: the old holder's write then
// fails and writes nothing.
func testIdempotencyLease(t *testing.T, f *fixture) {
	u := f.user(crm.RoleSales)
	now := f.now
	count := func() int {
		clients, _, err := f.s.ListClients(f.ctx, crm.ClientFilter{}, crm.FullAccess)
		require.NoError(t, err)
		return len(clients)
	}

	// A write that fails stores no answer; the released key is free for the retry.
	res := f.reserveKey(idemRequest(u.ID, "k", "fp", now), crm.IdempotencyReserved)
	res.Claim.Respond = func([]byte, int64, int64) crm.IdempotentResponse { return crm.IdempotentResponse{Status: 201} }
	bad := []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, map[string][2]any{"x": {make(chan int), nil}})}
	err := f.s.CreateClient(crm.WithIdempotencyClaim(f.ctx, res.Claim), &crm.Client{FirstName: "A", LastName: "B",
		Email: "a@example.com", Status: crm.ClientPotential, DateCreated: now, DateUpdated: now}, bad)
	require.Error(t, err)
	require.False(t, res.Claim.Completed())
	require.NoError(t, f.s.ReleaseIdempotencyKey(f.ctx, res.Claim))
	res = f.reserveKey(idemRequest(u.ID, "k", "fp", now), crm.IdempotencyReserved)

	// The holder dies: within its lease the key is in flight, after it a retry takes it over.
	f.reserveKey(idemRequest(u.ID, "k", "fp", now.Add(59*time.Second)), crm.IdempotencyInFlight)
	retry := f.reserveKey(idemRequest(u.ID, "k", "fp", now.Add(61*time.Second)), crm.IdempotencyReserved)
	before := count()
	_, err = f.createUnderClaim(res.Claim)
	require.Equal(t, crm.ECONFLICT, crm.ErrorCode(err), "the old holder's write must fail: %v", err)
	assert.Equal(t, before, count(), "the old holder's write must be rolled back")
	require.Error(t, f.s.CompleteIdempotencyKey(f.ctx, res.Claim, crm.IdempotentResponse{Status: 204}))

	// The new holder completes it, here without a record write (an answer the adapter stores).
	require.NoError(t, f.s.CompleteIdempotencyKey(f.ctx, retry.Claim,
		crm.IdempotentResponse{Status: 204, Headers: map[string]string{"X": "y"}}))
	require.True(t, retry.Claim.Completed())
	replay := f.reserveKey(idemRequest(u.ID, "k", "fp", now.Add(2*time.Minute)), crm.IdempotencyReplay)
	assert.Equal(t, crm.IdempotentResponse{Status: 204, Headers: map[string]string{"X": "y"}, Body: replay.Response.Body},
		*replay.Response)
	assert.Empty(t, replay.Response.Body)
	assert.Equal(t, before, count())
}
