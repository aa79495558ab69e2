package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// TestEachWriteLocksItsRecordInOneRead checks that every Update* and Delete* reads its record in
// one statement, which carries both scopes (the read scope in its WHERE, the write scope as a
// selected flag) and the row lock, with one placeholder per parameter: a record outside the read
// scope is then not found, and the update function never runs.
func TestEachWriteLocksItsRecordInOneRead(t *testing.T) {
	ctx := context.Background()
	reader, writer := int64(7), int64(8)
	ws := crm.WriteScope{Read: crm.Visibility{OwnerID: &reader, SupportID: &reader, SelfID: &reader},
		Write: crm.Visibility{OwnerID: &writer, SupportID: &writer, SelfID: &writer}}
	writes := map[string]func(s *sqlstore.Store, called *bool) error{
		"UpdateUser": func(s *sqlstore.Store, called *bool) error {
			_, err := s.UpdateUser(ctx, 1, ws, func(*crm.User) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
			return err
		},
		"DeleteUser": func(s *sqlstore.Store, called *bool) error {
			return s.DeleteUser(ctx, 1, ws, func(*crm.User) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
		},
		"UpdateClient": func(s *sqlstore.Store, called *bool) error {
			_, err := s.UpdateClient(ctx, 1, ws, func(*crm.Client) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
			return err
		},
		"DeleteClient": func(s *sqlstore.Store, called *bool) error {
			return s.DeleteClient(ctx, 1, ws, func(*crm.Client) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
		},
		"UpdateContract": func(s *sqlstore.Store, called *bool) error {
			_, err := s.UpdateContract(ctx, 1, ws, crm.Visibility{OwnerID: &writer}, func(*crm.Contract, *crm.Client, bool) (crm.ContractChange, error) {
				*called = true
				return crm.ContractChange{}, nil
			})
			return err
		},
		"DeleteContract": func(s *sqlstore.Store, called *bool) error {
			return s.DeleteContract(ctx, 1, ws, func(*crm.Contract) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
		},
		"UpdateEvent": func(s *sqlstore.Store, called *bool) error {
			_, err := s.UpdateEvent(ctx, 1, ws, func(*crm.Event) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
			return err
		},
		"DeleteEvent": func(s *sqlstore.Store, called *bool) error {
			return s.DeleteEvent(ctx, 1, ws, func(*crm.Event) ([]crm.AuditEntry, error) { *called = true; return nil, nil })
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			db := &fakeDB{}
			d := dialect(true)
			d.RowLocks = true
			called := false
			err := write(sqlstore.New(db, d), &called)
			assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "no row: not found")
			assert.False(t, called, "the update function does not run")
			if name == "UpdateContract" {
				// The contract's client is locked first (see UpdateContract).
				require.Len(t, db.calls, 2, "the client's lock, then one read of the record")
				assert.Contains(t, db.calls[0].query, "FROM clients c WHERE c.id = (SELECT client_id FROM contracts WHERE id = $1) FOR NO KEY UPDATE OF c")
				db.calls = db.calls[1:]
			}
			require.Len(t, db.calls, 1, "one read of the record")
			q := db.calls[0]
			assert.Contains(t, q.query, "FOR ")
			assert.Contains(t, q.query, "CASE WHEN", "the write scope is a selected flag")
			assert.Len(t, placeholder.FindAllString(q.query, -1), len(q.args), "one $n per parameter: %s", q.query)
			assert.Contains(t, q.args, reader, "the read scope is a condition")
			assert.Contains(t, q.args, writer, "the write scope is a condition")
			assert.Less(t, strings.Index(q.query, "CASE WHEN"), strings.Index(q.query, " WHERE "), "the flag is selected, not filtered on")
		})
	}
}
