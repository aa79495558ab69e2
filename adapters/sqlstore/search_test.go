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

// On an FTS5 dialect, a search of clients names the column of its words, and also the key of
// the owner (migration 0019) when every client it may match has one sales contact: a scope of
// one owner's clients, or a filter on the sales contact, and so in a search of contracts by
// their client. A support scope or full access names no owner.
func TestSearchGivesTheOwnerToTheIndex(t *testing.T) {
	ctx := context.Background()
	sam, pia := int64(2), int64(5)
	samsKey := `owner : "` + "\ue002\ue000\ue000" + `"`
	owner := crm.Access{Clients: crm.Visibility{OwnerID: &sam}, Contracts: crm.Visibility{OwnerID: &sam}}
	support := crm.Access{Clients: crm.Visibility{SupportID: &pia}, Contracts: crm.Visibility{SupportID: &pia}}
	both := crm.Access{Clients: crm.Visibility{OwnerID: &sam, SupportID: &pia}}
	q := "brasserie"
	for _, tc := range []struct {
		name string
		run  func(s *sqlstore.Store) error
		key  bool
	}{
		{"clients within an owner's scope", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: q}, owner)
			return err
		}, true},
		{"the count of clients within an owner's scope", func(s *sqlstore.Store) error {
			_, err := s.CountClients(ctx, crm.ClientFilter{Q: q}, owner)
			return err
		}, true},
		{"clients filtered on a sales contact", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: q, SalesContactID: &sam}, crm.FullAccess)
			return err
		}, true},
		{"contracts by their client, within an owner's scope", func(s *sqlstore.Store) error {
			_, _, err := s.ListContracts(ctx, crm.ContractFilter{Q: q}, owner)
			return err
		}, true},
		{"clients within a support scope", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: q}, support)
			return err
		}, false},
		{"clients within an owner's or a support scope", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: q}, both)
			return err
		}, false},
		{"clients with full access", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: q}, crm.FullAccess)
			return err
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{}
			d := dialect(false)
			d.FTS5 = true
			require.NoError(t, tc.run(sqlstore.New(db, d)))
			var matches []string
			for _, c := range db.calls {
				for _, a := range c.args {
					if s, ok := a.(string); ok && strings.HasPrefix(s, "search_text : (") {
						matches = append(matches, s)
					}
				}
			}
			require.Len(t, matches, 1, "one MATCH, on the words' column: %v", db.calls)
			assert.Contains(t, matches[0], `search_text : ("brasserie")`)
			if tc.key {
				assert.Contains(t, matches[0], " AND "+samsKey)
			} else {
				assert.NotContains(t, matches[0], "owner :")
			}
		})
	}
}
