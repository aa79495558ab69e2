package sqlstore_test

import (
	"context"
	"encoding/base64"
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
	counts := func() int { return db.callsWith("FROM events WHERE support_contact_id = ?") }
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
	assert.Contains(t, page, "EXISTS (SELECT 1 FROM events ve INDEXED BY events_contract_id_idx WHERE ve.contract_id = k.id", "many events: record by record")
	assert.Equal(t, page, list(5))
	assert.Zero(t, counts(), "the next page keeps the choice")
	list(6)
	assert.Equal(t, 1, counts(), "another user's is their own")
	db.calls = nil
	_, _, err := s.ListClients(ctx, crm.ClientFilter{}, support(5))
	require.NoError(t, err)
	assert.Equal(t, 1, counts(), "another table's is its own")
}

// A search word's matches in an FTS5 index are counted to choose how a search of a support user
// with few records runs (walkFew); the answer is kept for a while, by index and word, rather
// than counted again for every page.
func TestMatchCountIsKept(t *testing.T) {
	ctx := context.Background()
	// Every count reads 5: fewer events than SupportEachFrom (few records), as many matches as
	// WalkRelatedFrom (a common word): the caller's records are read, the word checked on each.
	db := &fakeDB{count: 5}
	s := sqlstore.New(db, sqlstore.Dialect{FTS5: true, SupportEach: true, SupportEachFrom: 10, WalkRelatedFrom: 5})
	id := int64(4)
	acc := crm.Access{Events: crm.Visibility{SupportID: &id}}
	counts := func() int { return db.callsWith(" MATCH ? LIMIT ?)") }
	search := func(q string) string {
		db.calls = nil
		_, _, err := s.ListEvents(ctx, crm.EventFilter{Q: q}, acc)
		require.NoError(t, err)
		return db.calls[len(db.calls)-1].query
	}
	page := search("brasserie")
	assert.Equal(t, 1, counts(), "the first search of a word counts its matches")
	assert.NotContains(t, page, "events_fts", "a common word: the caller's events are read, not the index")
	assert.Equal(t, page, search("brasserie"))
	assert.Zero(t, counts(), "the same word again keeps the answer")
	search("sophie")
	assert.Equal(t, 1, counts(), "another word is counted")
}

// On a dialect with FewSupportBelow (PostgreSQL), a support user assigned fewer events than
// that has their searches run as one query sorted by id + 0, which the database answers
// through their events, and one assigned more has a window of ids first.
func TestFewSupportSearchHasNoWindow(t *testing.T) {
	ctx := context.Background()
	// The next page, after id 5: its window needs no first id.
	after := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"id","id":5}`))
	for _, tc := range []struct {
		name   string
		events int64
		res    string
		list   func(s *sqlstore.Store, acc crm.Access) error
	}{
		{"events", 0, "e", func(s *sqlstore.Store, acc crm.Access) error {
			_, _, err := s.ListEvents(ctx, crm.EventFilter{Q: "brasserie", ListOptions: crm.ListOptions{Cursor: after}}, acc)
			return err
		}},
		{"clients", 9, "c", func(s *sqlstore.Store, acc crm.Access) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "brasserie", ListOptions: crm.ListOptions{Cursor: after}}, acc)
			return err
		}},
		{"contracts", 9, "k", func(s *sqlstore.Store, acc crm.Access) error {
			_, _, err := s.ListContracts(ctx, crm.ContractFilter{Q: "brasserie", ListOptions: crm.ListOptions{Cursor: after}}, acc)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := int64(4)
			acc := crm.Access{Clients: crm.Visibility{SupportID: &id}, Contracts: crm.Visibility{SupportID: &id},
				Events: crm.Visibility{SupportID: &id}}
			pages := func(events int64) []string {
				db := &fakeDB{count: events}
				s := sqlstore.New(db, sqlstore.Dialect{SearchWindow: 100, FewSupportBelow: 10})
				require.NoError(t, tc.list(s, acc))
				var out []string
				for _, c := range db.calls {
					if strings.Contains(c.query, "ORDER BY") {
						out = append(out, c.query)
					}
				}
				return out
			}
			few := pages(tc.events)
			require.Len(t, few, 1, "assigned %d events: one query", tc.events)
			assert.Contains(t, few[0], "ORDER BY "+tc.res+".id + 0 ASC")
			assert.NotContains(t, few[0], tc.res+".id <= ?", "no window")
			many := pages(10)
			require.NotEmpty(t, many)
			assert.Contains(t, many[0], tc.res+".id <= ?", "assigned 10 events: the window first")
			assert.Contains(t, many[len(many)-1], "ORDER BY "+tc.res+".id + 0 ASC", "then past it")
		})
	}
}
