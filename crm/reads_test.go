package crm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// readCounter is a store that counts, per record, the plain reads (Find*) and the locked reads
// that a write (Update*, Delete*) makes.
type readCounter struct {
	*memStore
	finds, locked map[string]int
}

func key(res crm.Resource, id int64) string { return fmt.Sprintf("%s %d", res, id) }

func (r *readCounter) FindUser(ctx context.Context, id int64, v crm.Visibility) (*crm.User, error) {
	r.finds[key(crm.ResourceUser, id)]++
	return r.memStore.FindUser(ctx, id, v)
}

func (r *readCounter) FindClient(ctx context.Context, id int64, v crm.Visibility) (*crm.Client, error) {
	r.finds[key(crm.ResourceClient, id)]++
	return r.memStore.FindClient(ctx, id, v)
}

func (r *readCounter) FindContract(ctx context.Context, id int64, v crm.Visibility) (*crm.Contract, error) {
	r.finds[key(crm.ResourceContract, id)]++
	return r.memStore.FindContract(ctx, id, v)
}

func (r *readCounter) FindEvent(ctx context.Context, id int64, v crm.Visibility) (*crm.Event, error) {
	r.finds[key(crm.ResourceEvent, id)]++
	return r.memStore.FindEvent(ctx, id, v)
}

func (r *readCounter) UpdateUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) (*crm.User, error) {
	r.locked[key(crm.ResourceUser, id)]++
	return r.memStore.UpdateUser(ctx, id, ws, fn)
}

func (r *readCounter) DeleteUser(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.User) ([]crm.AuditEntry, error)) error {
	r.locked[key(crm.ResourceUser, id)]++
	return r.memStore.DeleteUser(ctx, id, ws, fn)
}

func (r *readCounter) UpdateClient(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) (*crm.Client, error) {
	r.locked[key(crm.ResourceClient, id)]++
	return r.memStore.UpdateClient(ctx, id, ws, fn)
}

func (r *readCounter) DeleteClient(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Client) ([]crm.AuditEntry, error)) error {
	r.locked[key(crm.ResourceClient, id)]++
	return r.memStore.DeleteClient(ctx, id, ws, fn)
}

func (r *readCounter) UpdateContract(ctx context.Context, id int64, ws crm.WriteScope, sign crm.Visibility, fn func(*crm.Contract, *crm.Client, bool) (crm.ContractChange, error)) (*crm.Contract, error) {
	r.locked[key(crm.ResourceContract, id)]++
	return r.memStore.UpdateContract(ctx, id, ws, sign, fn)
}

func (r *readCounter) DeleteContract(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Contract) ([]crm.AuditEntry, error)) error {
	r.locked[key(crm.ResourceContract, id)]++
	return r.memStore.DeleteContract(ctx, id, ws, fn)
}

func (r *readCounter) UpdateEvent(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) (*crm.Event, error) {
	r.locked[key(crm.ResourceEvent, id)]++
	return r.memStore.UpdateEvent(ctx, id, ws, fn)
}

func (r *readCounter) DeleteEvent(ctx context.Context, id int64, ws crm.WriteScope, fn func(*crm.Event) ([]crm.AuditEntry, error)) error {
	r.locked[key(crm.ResourceEvent, id)]++
	return r.memStore.DeleteEvent(ctx, id, ws, fn)
}

// TestEachWriteReadsItsRecordOnce checks that every update, delete and sign reads its record
// exactly once, under the store's lock, whether it succeeds, is forbidden (a readable record
// outside the write scope) or finds nothing (a record outside the read scope): the store decides
// ENOTFOUND and EFORBIDDEN in that one read, and the service reads the record no other way.
func TestEachWriteReadsItsRecordOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rc := &readCounter{memStore: w.store, finds: map[string]int{}, locked: map[string]int{}}
	svc := crm.New(crm.Deps{Users: rc, Clients: rc, Contracts: rc, Events: rc, Audit: rc, Throttle: rc,
		Authorizer: w.authz, Passwords: fakePasswords{}, Now: func() time.Time { return w.now }})
	// Records of their own to delete: a client and a contract with nothing under them, an event,
	// and a user who is nobody's contact.
	lone, err := svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some("Lone"), LastName: crm.Some("Client"), Email: crm.Some("lone@example.com")})
	require.NoError(t, err)
	open, err := svc.CreateContract(w.ctxS1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	doomed, err := svc.CreateContract(w.ctxS1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	ev, err := svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("Spare"),
		EventDate: crm.Some(time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC)), Attendees: crm.Some(3)})
	require.NoError(t, err)
	spare, err := svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("spare"), Email: crm.Some("spare@epic.example"),
		Role: crm.Some(crm.RoleSupport), Password: crm.Some(goodPassword)})
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		res   crm.Resource
		id    int64
		code  string // "" for success
		write func() error
	}{
		{"UpdateClient", crm.ResourceClient, w.C1.ID, "", func() error {
			_, err := svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{Company: crm.Some("Renamed")}, 0)
			return err
		}},
		{"UpdateClient forbidden", crm.ResourceClient, w.C1.ID, crm.EFORBIDDEN, func() error {
			_, err := svc.UpdateClient(w.ctxP1, w.C1.ID, crm.ClientInput{Company: crm.Some("Nope")}, 0)
			return err
		}},
		{"UpdateClient not found", crm.ResourceClient, w.C1.ID, crm.ENOTFOUND, func() error {
			_, err := svc.UpdateClient(w.ctxS2, w.C1.ID, crm.ClientInput{Company: crm.Some("Nope")}, 0)
			return err
		}},
		{"DeleteClient", crm.ResourceClient, lone.ID, "", func() error { return svc.DeleteClient(w.ctxM, lone.ID, 0) }},
		{"UpdateContract", crm.ResourceContract, open.ID, "", func() error {
			_, err := svc.UpdateContract(w.ctxS1, open.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(50))}, 0)
			return err
		}},
		{"UpdateContract forbidden", crm.ResourceContract, w.K1.ID, crm.EFORBIDDEN, func() error {
			_, err := svc.UpdateContract(w.ctxP1, w.K1.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(0))}, 0)
			return err
		}},
		{"UpdateContract not found", crm.ResourceContract, w.K1.ID, crm.ENOTFOUND, func() error {
			_, err := svc.UpdateContract(w.ctxP2, w.K1.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(0))}, 0)
			return err
		}},
		{"SignContract", crm.ResourceContract, open.ID, "", func() error {
			_, err := svc.SignContract(w.ctxS1, open.ID, 0)
			return err
		}},
		{"SignContract signed", crm.ResourceContract, open.ID, crm.ECONFLICT, func() error {
			_, err := svc.SignContract(w.ctxS1, open.ID, 0)
			return err
		}},
		{"SignContract forbidden", crm.ResourceContract, w.K1.ID, crm.EFORBIDDEN, func() error {
			_, err := svc.SignContract(w.ctxP1, w.K1.ID, 0)
			return err
		}},
		{"DeleteContract", crm.ResourceContract, doomed.ID, "", func() error { return svc.DeleteContract(w.ctxM, doomed.ID, 0) }},
		{"UpdateEvent", crm.ResourceEvent, w.E1.ID, "", func() error {
			_, err := svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Attendees: crm.Some(80)}, 0)
			return err
		}},
		{"UpdateEvent forbidden", crm.ResourceEvent, w.E1.ID, crm.EFORBIDDEN, func() error {
			_, err := svc.UpdateEvent(w.ctxS1, w.E1.ID, crm.EventInput{Attendees: crm.Some(90)}, 0)
			return err
		}},
		{"DeleteEvent", crm.ResourceEvent, ev.ID, "", func() error { return svc.DeleteEvent(w.ctxM, ev.ID, 0) }},
		{"UpdateUser", crm.ResourceUser, w.S1.ID, "", func() error {
			_, err := svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{LastName: crm.Some("Renamed")}, 0)
			return err
		}},
		{"UpdateUser not found", crm.ResourceUser, w.S2.ID, crm.ENOTFOUND, func() error {
			_, err := svc.UpdateUser(w.ctxS1, w.S2.ID, crm.UserInput{LastName: crm.Some("Nope")}, 0)
			return err
		}},
		{"DeleteUser", crm.ResourceUser, spare.ID, "", func() error { return svc.DeleteUser(w.ctxM, spare.ID, 0) }},
		{"DeleteUser forbidden", crm.ResourceUser, w.S1.ID, crm.EFORBIDDEN, func() error { return svc.DeleteUser(w.ctxS1, w.S1.ID, 0) }},
	} {
		rc.finds, rc.locked = map[string]int{}, map[string]int{}
		err := tc.write()
		if tc.code == "" {
			require.NoError(t, err, tc.name)
		} else {
			requireCode(t, err, tc.code)
		}
		k := key(tc.res, tc.id)
		assert.Equal(t, 1, rc.locked[k], "%s: one locked read of the record", tc.name)
		assert.Zero(t, rc.finds[k], "%s: no other read of the record", tc.name)
	}
}
