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

// A support user's pages choose between checking the support scope record by record and the
// list of the user's records by counting their events; the choice is kept for a while, by
// table and user, rather than counted again for every page.
func TestSupportEachChoiceIsKept(t *testing.T) {
	ctx := context.Background()
	db := &fakeDB{count: 1_000_000}
	s := sqlstore.New(db, sqlstore.Dialect{SupportEach: true})
	counts := func() int {
		n := 0
		for _, c := range db.calls {
			if strings.Contains(c.query, "FROM events WHERE support_contact_id = ?") {
				n++
			}
		}
		return n
	}
	support := func(id int64) crm.Access {
		return crm.Access{Clients: crm.Visibility{SupportID: &id}, Contracts: crm.Visibility{SupportID: &id},
			Events: crm.Visibility{SupportID: &id}}
	}
	list := func(id int64) string {
		db.calls = nil
		_, _, err := s.ListContracts(ctx, crm.ContractFilter{}, support(id))
		require.NoError(t, err)
		return db.calls[len(db.calls)-1].query
	}
	page := list(5)
	assert.Equal(t, 1, counts(), "the first page counts the user's events")
	assert.Contains(t, page, "EXISTS (SELECT 1 FROM events ve WHERE ve.contract_id = k.id", "many events: record by record")
	assert.Equal(t, page, list(5))
	assert.Zero(t, counts(), "the next page keeps the choice")
	list(6)
	assert.Equal(t, 1, counts(), "another user's is their own")
	db.calls = nil
	_, _, err := s.ListClients(ctx, crm.ClientFilter{}, support(5))
	require.NoError(t, err)
	assert.Equal(t, 1, counts(), "another table's is its own")
}
