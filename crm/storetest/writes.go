package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeCase is one Update* or Delete* of a record, run with an update function, and a way to
// read the record back.
type writeCase struct {
	name string
	// write runs the write on the record with ws; change is called on the record inside the
	// update function, before it returns err.
	write func(ws crm.WriteScope, change func(), err error) error
	// read returns the record as stored, or an error.
	read func() (any, error)
}

// writeCases returns one writeCase per Update* and Delete* method, each on its own record. While
// *unwritable is true, the audit entries the update functions return cannot be stored.
func writeCases(f *fixture) (cases []writeCase, unwritable *bool) {
	unwritable = new(bool)
	sales := f.user(crm.RoleSales)
	victim := f.user(crm.RoleSupport)
	c := f.client(&sales.ID)
	k := f.contract(c, func(k *crm.Contract) { k.Status, k.SignedAt = crm.ContractOpen, nil })
	e := f.event(f.contract(f.client(&sales.ID)), nil)
	lone := f.contract(f.client(nil))
	loneClient := f.client(nil)
	loneEvent := f.event(f.contract(f.client(nil)), nil)
	audit := func(res crm.Resource, id int64) []crm.AuditEntry {
		if *unwritable {
			// A channel has no JSON form, so the entry fails to be written after the record was.
			return []crm.AuditEntry{f.entry(crm.ActionUpdate, res, id, map[string][2]any{"x": {make(chan int), nil}})}
		}
		return []crm.AuditEntry{f.entry(crm.ActionUpdate, res, id, map[string][2]any{"x": {"a", "b"}})}
	}
	return []writeCase{
		{"UpdateUser", func(ws crm.WriteScope, change func(), err error) error {
			_, werr := f.s.UpdateUser(f.ctx, sales.ID, ws, func(u *crm.User) ([]crm.AuditEntry, error) {
				u.FirstName, u.AuthVersion = "Changed", u.AuthVersion+1
				change()
				return audit(crm.ResourceUser, u.ID), err
			})
			return werr
		}, func() (any, error) { return f.s.FindUser(f.ctx, sales.ID, crm.Everything) }},
		{"DeleteUser", func(ws crm.WriteScope, change func(), err error) error {
			return f.s.DeleteUser(f.ctx, victim.ID, ws, func(u *crm.User) ([]crm.AuditEntry, error) {
				change()
				return audit(crm.ResourceUser, u.ID), err
			})
		}, func() (any, error) { return f.s.FindUser(f.ctx, victim.ID, crm.Everything) }},
		{"UpdateClient", func(ws crm.WriteScope, change func(), err error) error {
			_, werr := f.s.UpdateClient(f.ctx, c.ID, ws, func(c *crm.Client) ([]crm.AuditEntry, error) {
				c.Company = "Changed"
				change()
				return audit(crm.ResourceClient, c.ID), err
			})
			return werr
		}, func() (any, error) { return f.s.FindClient(f.ctx, c.ID, crm.Everything) }},
		{"DeleteClient", func(ws crm.WriteScope, change func(), err error) error {
			return f.s.DeleteClient(f.ctx, loneClient.ID, ws, func(c *crm.Client) ([]crm.AuditEntry, error) {
				change()
				return audit(crm.ResourceClient, c.ID), err
			})
		}, func() (any, error) { return f.s.FindClient(f.ctx, loneClient.ID, crm.Everything) }},
		{"UpdateContract", func(ws crm.WriteScope, change func(), err error) error {
			_, werr := f.s.UpdateContract(f.ctx, k.ID, ws, crm.Everything, func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
				k.Status, k.AmountDue = crm.ContractSigned, 0
				cl.Status = crm.ClientExisting
				change()
				return crm.ContractChange{ClientChanged: true, Audit: audit(crm.ResourceContract, k.ID)}, err
			})
			return werr
		}, func() (any, error) {
			k, err := f.s.FindContract(f.ctx, k.ID, crm.Everything)
			if err != nil {
				return nil, err
			}
			cl, err := f.s.FindClient(f.ctx, k.ClientID, crm.Everything)
			return []any{k, cl}, err
		}},
		{"DeleteContract", func(ws crm.WriteScope, change func(), err error) error {
			return f.s.DeleteContract(f.ctx, lone.ID, ws, func(k *crm.Contract) ([]crm.AuditEntry, error) {
				change()
				return audit(crm.ResourceContract, k.ID), err
			})
		}, func() (any, error) { return f.s.FindContract(f.ctx, lone.ID, crm.Everything) }},
		{"UpdateEvent", func(ws crm.WriteScope, change func(), err error) error {
			_, werr := f.s.UpdateEvent(f.ctx, e.ID, ws, func(e *crm.Event) ([]crm.AuditEntry, error) {
				e.Attendees++
				change()
				return audit(crm.ResourceEvent, e.ID), err
			})
			return werr
		}, func() (any, error) { return f.s.FindEvent(f.ctx, e.ID, crm.Everything) }},
		{"DeleteEvent", func(ws crm.WriteScope, change func(), err error) error {
			return f.s.DeleteEvent(f.ctx, loneEvent.ID, ws, func(e *crm.Event) ([]crm.AuditEntry, error) {
				change()
				return audit(crm.ResourceEvent, e.ID), err
			})
		}, func() (any, error) { return f.s.FindEvent(f.ctx, loneEvent.ID, crm.Everything) }},
	}, unwritable
}

func testFailedWriteWritesNothing(t *testing.T, f *fixture) {
	cases, unwritable := writeCases(f)
	before := len(f.audit())
	for _, tc := range cases {
		t.Run(tc.name+" refused by its function", func(t *testing.T) {
			stored, err := tc.read()
			require.NoError(t, err)
			called := false
			err = tc.write(crm.EveryWrite, func() { called = true }, errRefused)
			assert.True(t, called, "the update function ran")
			assert.Same(t, errRefused, err, "the update function's error comes back unchanged")
			again, err := tc.read()
			require.NoError(t, err, "the record is still there")
			assert.Equal(t, stored, again, "the record did not change")
		})
	}
	*unwritable = true
	for _, tc := range cases {
		t.Run(tc.name+" whose audit entry fails", func(t *testing.T) {
			stored, err := tc.read()
			require.NoError(t, err)
			err = tc.write(crm.EveryWrite, func() {}, nil)
			assert.Error(t, err, "the write fails with its audit entry")
			again, err := tc.read()
			require.NoError(t, err, "the record is still there")
			assert.Equal(t, stored, again, "the record's change was rolled back with its audit entry")
		})
	}
	*unwritable = false
	assert.Len(t, f.audit(), before, "no audit entry was written")

	for _, tc := range cases {
		err := tc.write(crm.EveryWrite, func() {}, nil)
		require.NoError(t, err, "%s succeeds once its function agrees", tc.name)
	}
	assert.Len(t, f.audit(), before+len(cases), "each successful write is audited")
}

func testWriteOutsideVisibility(t *testing.T, f *fixture) {
	stranger := f.user(crm.RoleSales)
	cases, _ := writeCases(f)
	before := len(f.audit())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, vis := range []crm.Visibility{{}, {OwnerID: &stranger.ID}, {SupportID: &stranger.ID}, {SelfID: &stranger.ID}} {
				called := false
				err := tc.write(crm.WriteScope{Read: vis, Write: crm.Everything}, func() { called = true }, nil)
				assertCode(t, crm.ENOTFOUND, err, "a record outside ws.Read is not found, whatever ws.Write")
				assert.False(t, called, "the update function does not run on a record outside ws.Read")
			}
			_, err := tc.read()
			assert.NoError(t, err)
		})
	}
	assert.Len(t, f.audit(), before)
}

// testWriteOutsideWriteScope writes records the scope can read but not write: each write is
// refused with crm.ErrNotWritable (EFORBIDDEN), its update function never runs, and neither the
// record nor the audit log changes.
func testWriteOutsideWriteScope(t *testing.T, f *fixture) {
	stranger := f.user(crm.RoleSales)
	cases, _ := writeCases(f)
	before := len(f.audit())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stored, err := tc.read()
			require.NoError(t, err)
			for _, vis := range []crm.Visibility{{}, {OwnerID: &stranger.ID}, {SupportID: &stranger.ID}, {SelfID: &stranger.ID}} {
				called := false
				err := tc.write(crm.WriteScope{Read: crm.Everything, Write: vis}, func() { called = true }, nil)
				assert.ErrorIs(t, err, crm.ErrNotWritable, "a readable record outside ws.Write is refused")
				assertCode(t, crm.EFORBIDDEN, err, "a readable record outside ws.Write is forbidden")
				assert.False(t, called, "the update function does not run on a record outside ws.Write")
			}
			again, err := tc.read()
			require.NoError(t, err)
			assert.Equal(t, stored, again, "the record did not change")
		})
	}
	assert.Len(t, f.audit(), before, "no audit entry was written")
}

func testConcurrentUpdates(t *testing.T, f *fixture) {
	e := f.event(f.contract(f.client(nil)), nil, func(e *crm.Event) { e.Attendees = 0 })
	c, err := f.s.FindClient(f.ctx, e.ClientID, crm.Everything)
	require.NoError(t, err)
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := 0; i < writers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.s.UpdateEvent(f.ctx, e.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
				e.Attendees++
				return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceEvent, e.ID, nil)}, nil
			})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := f.s.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
				c.Company += "x"
				return nil, nil
			})
			errs <- err
		}()
	}
	// Reads run alongside the writes, as the domain's reads do from other goroutines.
	for i := 0; i < writers; i++ {
		_, err := f.s.FindEvent(f.ctx, e.ID, crm.Everything)
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := f.s.FindEvent(f.ctx, e.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, writers, got.Attendees, "no increment was lost")
	assert.Equal(t, int64(1+writers), got.Version)
	cl, err := f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Len(t, cl.Company, len(c.Company)+writers, "no append was lost")
	assert.Equal(t, int64(1+writers), cl.Version)
}

func testFailedCreateWritesNothing(t *testing.T, f *fixture) {
	k := f.contract(f.client(nil))
	before := len(f.audit())
	// A channel has no JSON form, so the entry fails to be written after the record was.
	bad := []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, map[string][2]any{"x": {make(chan int), nil}})}
	for _, tc := range []struct {
		name   string
		create func() error
		count  func() int
	}{
		{"CreateUser", func() error {
			return f.s.CreateUser(f.ctx, &crm.User{Username: "u", Email: "u@example.com", Role: crm.RoleSales,
				DateJoined: f.now, PasswordHash: "h"}, bad)
		}, func() int {
			users, _, err := f.s.ListUsers(f.ctx, crm.UserFilter{}, crm.FullAccess)
			require.NoError(t, err)
			return len(users)
		}},
		{"CreateClient", func() error {
			return f.s.CreateClient(f.ctx, &crm.Client{FirstName: "A", LastName: "B", Email: "a@example.com",
				Status: crm.ClientPotential, DateCreated: f.now, DateUpdated: f.now}, bad)
		}, func() int {
			clients, _, err := f.s.ListClients(f.ctx, crm.ClientFilter{}, crm.FullAccess)
			require.NoError(t, err)
			return len(clients)
		}},
		{"CreateContract", func() error {
			return f.s.CreateContract(f.ctx, &crm.Contract{ClientID: k.ClientID, Amount: 1, Status: crm.ContractOpen,
				DateCreated: f.now, DateUpdated: f.now}, bad)
		}, func() int {
			contracts, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{}, crm.FullAccess)
			require.NoError(t, err)
			return len(contracts)
		}},
		{"CreateEvent", func() error {
			return f.s.CreateEvent(f.ctx, &crm.Event{Name: "E", ContractID: k.ID, EventDate: f.now, Status: crm.EventOpen,
				DateCreated: f.now, DateUpdated: f.now}, bad)
		}, func() int {
			events, _, err := f.s.ListEvents(f.ctx, crm.EventFilter{}, crm.FullAccess)
			require.NoError(t, err)
			return len(events)
		}},
	} {
		n := tc.count()
		assert.Error(t, tc.create(), "%s fails with its audit entry", tc.name)
		assert.Equal(t, n, tc.count(), "%s: the record was rolled back with its audit entry", tc.name)
	}
	assert.Len(t, f.audit(), before)
}

// testUpdateDuringRefusedDelete updates a contract while its client's delete holds the client:
// the delete is refused (the client has a contract) and the update then goes through, rather
// than the two waiting for each other.
func testUpdateDuringRefusedDelete(t *testing.T, f *fixture) {
	c := f.client(nil)
	k := f.contract(c)
	entered, release := make(chan struct{}), make(chan struct{})
	deleted := make(chan error, 1)
	go func() {
		deleted <- f.s.DeleteClient(f.ctx, c.ID, crm.EveryWrite, func(*crm.Client) ([]crm.AuditEntry, error) {
			close(entered)
			<-release
			return nil, nil
		})
	}()
	<-entered
	updated := make(chan error, 1)
	go func() {
		_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
			k.AmountDue = 0
			return crm.ContractChange{}, nil
		})
		updated <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the update reach the client the delete holds
	close(release)
	assertCode(t, crm.ECONFLICT, <-deleted, "the client still has a contract")
	require.NoError(t, <-updated)
	got, err := f.s.FindContract(f.ctx, k.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, crm.Money(0), got.AmountDue)
}
