package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changes returns every change of the log, oldest first, read in pages of 7 so that paging is
// exercised.
func (f *fixture) changes() []crm.Change {
	f.t.Helper()
	var all []crm.Change
	after := int64(0)
	for {
		page, err := f.s.ChangesAfter(f.ctx, after, 7)
		require.NoError(f.t, err)
		require.LessOrEqual(f.t, len(page), 7, "ChangesAfter returns at most limit changes")
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// recordOf decodes a change's record or before JSON into a map (nil for JSON null).
func recordOf(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "record %s", raw)
	return m
}

func testChangeLog(t *testing.T, f *fixture) {
	last, err := f.s.LastChangeSeq(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, last, "an empty log has no last change")
	none, err := f.s.ChangesAfter(f.ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	u := f.user(crm.RoleSales)
	c := f.client(&u.ID)
	k := f.contract(c, func(k *crm.Contract) { k.Status, k.SignedAt = crm.ContractOpen, nil })
	e := f.event(k, nil)
	_, err = f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything,
		func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
			k.Status = crm.ContractSigned
			cl.Status = crm.ClientExisting
			return crm.ContractChange{ClientChanged: true, Audit: []crm.AuditEntry{
				f.entry(crm.ActionSign, crm.ResourceContract, k.ID, nil),
				f.entry(crm.ActionUpdate, crm.ResourceClient, cl.ID, nil),
			}}, nil
		})
	require.NoError(t, err)
	_, err = f.s.UpdateEvent(f.ctx, e.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
		e.SupportContactID = &u.ID
		return []crm.AuditEntry{f.entry(crm.ActionAssign, crm.ResourceEvent, e.ID, nil)}, nil
	})
	require.NoError(t, err)
	_, err = f.s.UpdateUser(f.ctx, u.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.FirstName, u.PasswordHash = "Renamed", "$argon2id$other"
		return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceUser, u.ID, nil)}, nil
	})
	require.NoError(t, err)
	// A write without audit entries (an internal one) announces nothing.
	_, err = f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Company = "Quiet"
		return nil, nil
	})
	require.NoError(t, err)
	require.NoError(t, f.s.DeleteEvent(f.ctx, e.ID, crm.EveryWrite, func(*crm.Event) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceEvent, e.ID, nil)}, nil
	}))

	all := f.changes()
	types := make([]string, len(all))
	for i, ch := range all {
		types[i] = ch.Type
	}
	assert.Equal(t, []string{crm.ChangeUserCreated, crm.ChangeClientCreated, crm.ChangeContractCreated,
		crm.ChangeEventCreated, crm.ChangeContractSigned, crm.ChangeClientUpdated, crm.ChangeEventSupportAssigned,
		crm.ChangeUserUpdated, crm.ChangeEventDeleted}, types, "one change per audit entry, in commit order")

	ids := map[string]bool{}
	for i, ch := range all {
		if i > 0 {
			assert.Greater(t, ch.Seq, all[i-1].Seq, "seqs increase")
		}
		assert.True(t, crm.IsChangeID(ch.ID), "change id %q has the chg_ form", ch.ID)
		assert.False(t, ids[ch.ID], "change ids are unique")
		ids[ch.ID] = true
		assert.Equal(t, f.now, ch.At, "a change is at its audit entry's time")
		assert.Equal(t, int64(testActor), ch.ActorID)
	}
	last, err = f.s.LastChangeSeq(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, all[len(all)-1].Seq, last)

	created := all[0]
	assert.Equal(t, crm.ResourceUser, created.Resource)
	assert.Equal(t, u.ID, created.ResourceID, "a create's change names the new record")
	assert.JSONEq(t, "null", string(created.Before), "a create has no before")
	rec := recordOf(t, created.Record)
	assert.Equal(t, u.Username, rec["username"])
	assert.EqualValues(t, u.ID, rec["id"])
	for _, ch := range all {
		assert.NotContains(t, string(ch.Record)+string(ch.Before), "argon2id", "no password hash in a change")
		assert.NotContains(t, string(ch.Record)+string(ch.Before), "password")
	}

	signed := all[4]
	assert.Equal(t, k.ID, signed.ResourceID)
	assert.Equal(t, string(crm.ContractOpen), recordOf(t, signed.Before)["status"])
	assert.Equal(t, string(crm.ContractSigned), recordOf(t, signed.Record)["status"])
	clientUpdate := all[5]
	assert.Equal(t, c.ID, clientUpdate.ResourceID, "the contract's write names its client's change by the client's id")
	assert.Equal(t, string(crm.ClientPotential), recordOf(t, clientUpdate.Before)["status"])
	assert.Equal(t, string(crm.ClientExisting), recordOf(t, clientUpdate.Record)["status"])

	assigned := all[6]
	assert.Nil(t, recordOf(t, assigned.Before)["support_contact_id"])
	assert.EqualValues(t, u.ID, recordOf(t, assigned.Record)["support_contact_id"])
	assert.EqualValues(t, c.ID, recordOf(t, assigned.Record)["client_id"], "an event's record names its client")
	assert.Equal(t, "Renamed", recordOf(t, all[7].Record)["first_name"])
	assert.Equal(t, "First", recordOf(t, all[7].Before)["first_name"])

	deleted := all[8]
	assert.JSONEq(t, "null", string(deleted.Record), "a delete has no record after")
	assert.Equal(t, "Launch party", recordOf(t, deleted.Before)["name"])

	tail, err := f.s.ChangesAfter(f.ctx, all[6].Seq, 100)
	require.NoError(t, err)
	assert.Equal(t, all[7:], tail, "ChangesAfter starts after the seq given")
	one, err := f.s.ChangesAfter(f.ctx, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, all[:1], one, "ChangesAfter returns at most limit changes")
}

func testFailedWriteWritesNoChange(t *testing.T, f *fixture) {
	c := f.client(nil)
	before := f.changes()
	_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Company = "Never"
		return nil, errRefused
	})
	require.ErrorIs(t, err, errRefused)
	// A write that fails after its audit entries are known (a deleted referenced record) rolls
	// back its change rows with them.
	k := f.contract(c)
	err = f.s.DeleteClient(f.ctx, c.ID, crm.EveryWrite, func(*crm.Client) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceClient, c.ID, nil)}, nil
	})
	assertCode(t, crm.ECONFLICT, err)
	after := f.changes()
	require.Len(t, after, len(before)+1, "only the contract's creation is in the log")
	assert.Equal(t, crm.ChangeContractCreated, after[len(after)-1].Type)
	assert.Equal(t, k.ID, after[len(after)-1].ResourceID)
}

// testChangeOrder runs concurrent writers while a reader follows the log with ChangesAfter. A
// change committed after the reader has passed its seq would be missed for ever: the reader
// must end up with exactly the log's changes.
func testChangeOrder(t *testing.T, f *fixture) {
	const writers, perWriter = 8, 15
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				c := &crm.Client{FirstName: "W", LastName: fmt.Sprint(w), Email: fmt.Sprintf("w%d-%d@example.com", w, i),
					Status: crm.ClientPotential, DateCreated: f.now, DateUpdated: f.now}
				if err := f.s.CreateClient(f.ctx, c, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, nil)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	var seen []int64
	after := int64(0)
	poll := func() {
		page, err := f.s.ChangesAfter(f.ctx, after, 50)
		require.NoError(t, err)
		for _, ch := range page {
			seen = append(seen, ch.Seq)
			after = ch.Seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			poll()
			time.Sleep(time.Millisecond)
		}
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for n := -1; n != len(seen); {
		n = len(seen)
		poll()
	}
	all := f.changes()
	require.Len(t, all, writers*perWriter)
	want := make([]int64, len(all))
	for i, ch := range all {
		want[i] = ch.Seq
	}
	assert.Equal(t, want, seen, "the reader following the log saw every change: none committed behind it")
}
