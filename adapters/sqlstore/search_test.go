package sqlstore_test

import (
	"context"
	"slices"
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
			// The word of nine characters is given to FTS5 in pieces of six, and checked whole.
			assert.Contains(t, matches[0], `search_text : ("brasse" "sserie")`)
			var whole bool
			for _, c := range db.calls {
				whole = whole || strings.Contains(c.query, "instr(c.search_text, ?) > 0") && slices.Contains(c.args, any(q))
			}
			assert.True(t, whole, "the word is checked whole on the search text: %v", db.calls)
			if tc.key {
				assert.Contains(t, matches[0], " AND "+samsKey)
			} else {
				assert.NotContains(t, matches[0], "owner :")
			}
		})
	}
}

// A word is given to FTS5 whole up to six characters, else in overlapping pieces of six that
// hold every trigram of the word.
func TestSearchSplitsLongWordsForFTS5(t *testing.T) {
	for word, want := range map[string][]string{
		"abc":           {"abc"},
		"abcdef":        {"abcdef"},
		"abcdefg":       {"abcdef", "bcdefg"},
		"brasserie":     {"brasse", "sserie"},
		"abcdefghij":    {"abcdef", "efghij"},
		"abcdefghijk":   {"abcdef", "efghij", "fghijk"},
		"zéphyrine-été": {"zéphyr", "yrine-", "ne-été"},
	} {
		got := sqlstore.FTSChunks(word)
		assert.Equal(t, want, got, word)
		trigrams := func(s string) map[string]bool {
			r, m := []rune(s), map[string]bool{}
			for i := 0; i+3 <= len(r); i++ {
				m[string(r[i:i+3])] = true
			}
			return m
		}
		covered := map[string]bool{}
		for _, c := range got {
			assert.LessOrEqual(t, len([]rune(c)), 6, word)
			assert.Contains(t, word, c)
			for tg := range trigrams(c) {
				covered[tg] = true
			}
		}
		assert.Equal(t, trigrams(word), covered, "every trigram of %q is in a piece", word)
	}
}
