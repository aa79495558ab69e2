package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// txClient returns a new client numbered n, for the transaction tests.
func (f *fixture) txClient(n int) *crm.Client {
	return &crm.Client{FirstName: "Tx", LastName: fmt.Sprint(n), Email: fmt.Sprintf("tx%d-%d@example.com", n, f.next()),
		Status: crm.ClientPotential, DateCreated: f.now, DateUpdated: f.now}
}

// txRows counts the clients named Tx and their audit entries.
func (f *fixture) txRows(t *testing.T) (clients, audit int) {
	t.Helper()
	n, err := f.s.CountClients(f.ctx, crm.ClientFilter{FirstName: "Tx"}, crm.FullAccess)
	require.NoError(t, err)
	return n, len(f.audit())
}

// testTxAllOrNothing checks crm.Transactor: writes made through the stores of InTx are kept
// only when fn succeeds; a failure at row N (fn returning an error, or a write that fails at the
// database) leaves none of rows 1..N-1, audit entries included; a failed write inside the
// transaction undoes only itself, so later writes still go through and commit.
func testTxAllOrNothing(t *testing.T, f *fixture) {
	tx, ok := f.s.(crm.Transactor)
	require.True(t, ok, "the store must implement crm.Transactor")
	sales := f.user(crm.RoleSales)
	before, auditBefore := f.txRows(t)

	// fn fails at row 5: rows 1..4 were created inside the transaction, and are gone.
	stop := errors.New("row 5 is bad")
	var created []int64
	err := tx.InTx(f.ctx, func(st crm.TxStores) error {
		for i := 1; i <= 4; i++ {
			c := f.txClient(i)
			c.SalesContactID = &sales.ID
			require.NoError(t, st.Clients.CreateClient(f.ctx, c, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, nil)}))
			created = append(created, c.ID)
			// Reads within the transaction see its own writes.
			got, err := st.Clients.FindClient(f.ctx, c.ID, crm.Everything)
			require.NoError(t, err)
			assert.Equal(t, c.Email, got.Email)
		}
		return stop
	})
	require.ErrorIs(t, err, stop, "InTx returns fn's error unchanged")
	n, a := f.txRows(t)
	assert.Equal(t, before, n, "no client of rows 1..4 is left")
	assert.Equal(t, auditBefore, a, "no audit entry of rows 1..4 is left")
	for _, id := range created {
		_, err := f.s.FindClient(f.ctx, id, crm.Everything)
		assertCode(t, crm.ENOTFOUND, err, "client %d of a rolled-back transaction", id)
	}

	// A write failing at the database (a sales contact that does not exist) undoes itself; the
	// writes before and after it commit.
	err = tx.InTx(f.ctx, func(st crm.TxStores) error {
		require.NoError(t, st.Clients.CreateClient(f.ctx, f.txClient(1), nil))
		bad := f.txClient(2)
		bad.SalesContactID = crm.Ptr(int64(987_654_321))
		assertCode(t, crm.ECONFLICT, st.Clients.CreateClient(f.ctx, bad, nil), "a client of no sales user")
		_, err := st.Clients.UpdateClient(f.ctx, 987_654_321, crm.EveryWrite, keep[*crm.Client])
		assertCode(t, crm.ENOTFOUND, err, "no such client")
		require.NoError(t, st.Clients.CreateClient(f.ctx, f.txClient(3), []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, nil)}))
		return nil
	})
	require.NoError(t, err)
	n, a = f.txRows(t)
	assert.Equal(t, before+2, n, "rows 1 and 3 committed, row 2 undone")
	assert.Equal(t, auditBefore+1, a, "the audit entry of row 3 committed")

	// An update function's refusal inside the transaction leaves the record as it was.
	c := f.client(&sales.ID)
	err = tx.InTx(f.ctx, func(st crm.TxStores) error {
		_, err := st.Clients.UpdateClient(f.ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
			c.Company = "Changed"
			return nil, crm.Errorf(crm.EINVALID, "refused")
		})
		assertCode(t, crm.EINVALID, err)
		return nil
	})
	require.NoError(t, err)
	got, err := f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, c.Company, got.Company)
	assert.Equal(t, c.Version, got.Version)
}

// testTxChangesAndClaim checks that the writes of a Transactor write their change rows in the
// one transaction: an import of three rows writes three changes, in order, when it commits, and
// none when it fails; a write inside the transaction never completes the idempotency claim of
// the request (only the import's own answer does, after the commit), so a failed import leaves
// its key uncompleted.
func testTxChangesAndClaim(t *testing.T, f *fixture) {
	tx := f.s.(crm.Transactor)
	sales := f.user(crm.RoleSales)
	before := f.changes()
	importRows := func(ctx context.Context, fail error) ([]int64, error) {
		var created []int64
		err := tx.InTx(ctx, func(st crm.TxStores) error {
			for i := 1; i <= 3; i++ {
				c := f.txClient(i)
				c.SalesContactID = &sales.ID
				if err := st.Clients.CreateClient(ctx, c, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceClient, 0, nil)}); err != nil {
					return err
				}
				created = append(created, c.ID)
			}
			return fail
		})
		return created, err
	}

	res := f.reserveKey(idemRequest(sales.ID, "import-1", "fp", f.now), crm.IdempotencyReserved)
	res.Claim.Respond = func([]byte, int64, int64) crm.IdempotentResponse { return crm.IdempotentResponse{Status: 201} }
	ctx := crm.WithIdempotencyClaim(f.ctx, res.Claim)
	stop := errors.New("the import stops")
	_, err := importRows(ctx, stop)
	require.ErrorIs(t, err, stop)
	assert.Len(t, f.changes(), len(before), "a failed import writes no change")
	assert.False(t, res.Claim.Completed(), "a failed import completes no claim")
	f.reserveKey(idemRequest(sales.ID, "import-1", "fp", f.now), crm.IdempotencyInFlight)

	created, err := importRows(ctx, nil)
	require.NoError(t, err)
	assert.False(t, res.Claim.Completed(), "the writes of an import do not answer its request")
	after := f.changes()
	require.Len(t, after, len(before)+3, "one change per imported row")
	for i, ch := range after[len(before):] {
		assert.Equal(t, crm.ChangeClientCreated, ch.Type)
		assert.Equal(t, created[i], ch.ResourceID, "the changes are in the order of the rows")
	}
}

// testTxUsers checks the user writes of a Transactor, which an import of users makes: a user
// created and another updated inside a failed transaction leave no trace, audit entries
// included; a username taken inside the transaction (by a user it created) is refused as
// ECONFLICT naming the field and undoes only itself, so the writes around it commit.
func testTxUsers(t *testing.T, f *fixture) {
	tx := f.s.(crm.Transactor)
	existing := f.user(crm.RoleSales)
	auditBefore := len(f.audit())
	newUser := func(name string) *crm.User {
		return &crm.User{Username: name, Email: name + "@tx.example", Role: crm.RoleSupport, IsActive: true,
			DateJoined: f.now, PasswordHash: "$argon2id$hash", AuthVersion: 1}
	}
	name := fmt.Sprintf("txuser%d", f.next())
	stop := errors.New("a later row is bad")
	err := tx.InTx(f.ctx, func(st crm.TxStores) error {
		u := newUser(name)
		require.NoError(t, st.Users.CreateUser(f.ctx, u, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, nil)}))
		_, err := st.Users.UpdateUser(f.ctx, existing.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
			u.FirstName = "Changed"
			return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceUser, existing.ID, nil)}, nil
		})
		require.NoError(t, err)
		return stop
	})
	require.ErrorIs(t, err, stop)
	_, err = f.s.FindUserByUsername(f.ctx, name)
	assertCode(t, crm.ENOTFOUND, err, "the user created in a rolled-back transaction")
	got, err := f.s.FindUser(f.ctx, existing.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, existing.FirstName, got.FirstName)
	assert.Equal(t, existing.Version, got.Version)
	assert.Len(t, f.audit(), auditBefore, "no audit entry of the rolled-back transaction")

	err = tx.InTx(f.ctx, func(st crm.TxStores) error {
		require.NoError(t, st.Users.CreateUser(f.ctx, newUser(name), []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, nil)}))
		clash := newUser(name)
		clash.Email = "other-" + clash.Email
		err := st.Users.CreateUser(f.ctx, clash, []crm.AuditEntry{f.entry(crm.ActionCreate, crm.ResourceUser, 0, nil)})
		assertCode(t, crm.ECONFLICT, err, "a username taken within the transaction")
		require.NotEmpty(t, crm.ErrorFields(err))
		assert.Equal(t, "username", crm.ErrorFields(err)[0].Field)
		_, err = st.Users.UpdateUser(f.ctx, existing.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
			u.FirstName = "Imported"
			return []crm.AuditEntry{f.entry(crm.ActionUpdate, crm.ResourceUser, existing.ID, nil)}, nil
		})
		return err
	})
	require.NoError(t, err)
	created, err := f.s.FindUserByUsername(f.ctx, name)
	require.NoError(t, err)
	assert.Equal(t, name+"@tx.example", created.Email)
	got, err = f.s.FindUser(f.ctx, existing.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, "Imported", got.FirstName)
	assert.Len(t, f.audit(), auditBefore+2, "the create and the update are audited, the refused create is not")
}
