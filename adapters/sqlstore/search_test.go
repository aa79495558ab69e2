package sqlstore_test

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// On an FTS5 dialect, a search of clients names the column of its words: the search text's,
// or the column of the text written in the owner's characters (migration 0020) when every client
// it may match has one sales contact: a scope of one owner's clients, or a filter on the sales
// contact, and so in a search of contracts by their client. A support scope or full access
// names no owner. A word of more than six characters is given in pieces and checked whole on
// the search text, and so is every word matched in the owner's column.
func TestSearchGivesTheOwnerToTheIndex(t *testing.T) {
	ctx := context.Background()
	sam, pia := int64(2), int64(5)
	owner := crm.Access{Clients: crm.Visibility{OwnerID: &sam}, Contracts: crm.Visibility{OwnerID: &sam}}
	support := crm.Access{Clients: crm.Visibility{SupportID: &pia}, Contracts: crm.Visibility{SupportID: &pia}}
	both := crm.Access{Clients: crm.Visibility{OwnerID: &sam, SupportID: &pia}}
	q := "brasserie"
	for _, tc := range []struct {
		name  string
		run   func(s *sqlstore.Store) error
		owned bool
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
					if s, ok := a.(string); ok && (strings.HasPrefix(s, "search_text : (") || strings.HasPrefix(s, "owned : (")) {
						matches = append(matches, s)
					}
				}
			}
			require.Len(t, matches, 1, "one MATCH, on the words' column: %v", db.calls)
			var whole bool
			for _, c := range db.calls {
				whole = whole || regexp.MustCompile(`instr\([ck]\.search_text, \?\) > 0`).MatchString(c.query) && slices.Contains(c.args, any(q))
			}
			assert.True(t, whole, "the word is checked whole on the search text: %v", db.calls)
			if tc.owned {
				assert.Equal(t, `owned : ("`+sqlstore.OwnedText(sam, "brasse")+`" "`+sqlstore.OwnedText(sam, "sserie")+`")`, matches[0])
			} else {
				assert.Equal(t, `search_text : ("brasse" "sserie")`, matches[0])
			}
		})
	}
}

// OwnedText writes the letters and digits of a text in the owner's characters, the same for
// owners whose ids are 1820 apart, and leaves the rest alone.
func TestOwnedTextIsTheOwners(t *testing.T) {
	one := sqlstore.OwnedText(1, "ab9 é-")
	assert.Equal(t, []rune{0xF0000 + 36, 0xF0000 + 37, 0xF0000 + 36 + 35, ' ', 'é', '-'}, []rune(one))
	assert.Equal(t, one, sqlstore.OwnedText(1821, "ab9 é-"))
	assert.NotEqual(t, one, sqlstore.OwnedText(2, "ab9 é-"))
	assert.Equal(t, []rune{0xF0000, 0xF0000 + 25}, []rune(sqlstore.OwnedText(0, "az")))
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

// On a dialect with OwnerTrigrams, a search within one owner's clients also reads each word of
// three characters or more in the index of the owner's trigrams (owner_trigrams(<owner>,
// <word>)): in the step past the window of a windowed search, and in a count. The window step
// is walked in the key, so it has no such condition, and its parameters still line up.
func TestSearchReadsTheOwnersTrigrams(t *testing.T) {
	ctx := context.Background()
	sam := int64(2)
	owner := crm.Access{Clients: crm.Visibility{OwnerID: &sam}}
	d := dialect(true)
	d.OwnerTrigrams, d.SearchWindow, d.SearchKeys = true, 100, true
	cond := "owner_trigrams(c.sales_contact_id, c.search_text) @> owner_trigrams("
	after := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"id","id":7}`))
	for _, tc := range []struct {
		name string
		run  func(s *sqlstore.Store) error
		want []int // how many conditions on the owner's trigrams each query has
	}{
		{"a page within an owner's scope: the window, then past it", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "Brasserie du Port", ListOptions: crm.ListOptions{Cursor: after}}, owner)
			return err
		}, []int{0, 2}},
		{"the count within an owner's scope", func(s *sqlstore.Store) error {
			_, err := s.CountClients(ctx, crm.ClientFilter{Q: "Brasserie du Port"}, owner)
			return err
		}, []int{2}},
		{"a page filtered on a sales contact: the window, then past it", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "brasserie", SalesContactID: &sam,
				ListOptions: crm.ListOptions{Cursor: after}}, crm.FullAccess)
			return err
		}, []int{0, 1}},
		{"a page filtered on a sales contact, sorted by name: one query", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "brasserie", SalesContactID: &sam,
				ListOptions: crm.ListOptions{Sort: "last_name"}}, crm.FullAccess)
			return err
		}, []int{1}},
		{"a page with full access: no owner", func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "brasserie"}, crm.FullAccess)
			return err
		}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{}
			require.NoError(t, tc.run(sqlstore.New(db, d)))
			require.Len(t, db.calls, len(tc.want))
			for i, c := range db.calls {
				assert.Equal(t, tc.want[i], strings.Count(c.query, cond), c.query)
				assert.Len(t, placeholder.FindAllString(c.query, -1), len(c.args), "one $n per parameter: %s", c.query)
				if tc.want[i] > 0 {
					// The owner and each word of three characters or more, folded: not "du".
					at := strings.Index(c.query, cond)
					n, err := strconv.Atoi(placeholder.FindStringSubmatch(c.query[at:])[1])
					require.NoError(t, err)
					assert.Equal(t, []any{sam, "brasserie"}, c.args[n-1:n+1], c.query)
					assert.NotContains(t, c.args, any("du"))
					// Each such word is checked in a form no index serves, whose share of the rows
					// the database does not estimate (the owner's trigrams find the rows).
					assert.Equal(t, tc.want[i], strings.Count(c.query, "(c.search_text || '') LIKE"), c.query)
				}
			}
		})
	}
}

// A search of contracts by their client reads the contracts' copy of the client's search text
// (migration 0024): within one owner's contracts, the window step walks the copy (no condition
// on the owner's trigrams) and the step past the window reads the owner's trigrams of the
// contracts, each contract's client checked record by record through the clients' key (a
// correlated EXISTS holding the client's scope alone), never gathered in a list; within a
// support user's scope, which implies the clients', no client is read, and the window's ids
// are read in the contracts' key index (SearchKeys). The parameters line up in every query.
func TestContractSearchChecksTheClientOfEachContract(t *testing.T) {
	ctx := context.Background()
	sam, pia := int64(2), int64(5)
	d := dialect(true)
	d.OwnerTrigrams, d.SearchWindow, d.SearchKeys = true, 100, true
	check := "EXISTS (SELECT 1 FROM clients c WHERE c.id = k.client_id AND (c.sales_contact_id = $2) LIMIT 1 OFFSET 0)"
	for _, tc := range []struct {
		name string
		acc  crm.Access
		// words are the conditions of the words in each query: the window's, then past it.
		words []string
		// client is whether the queries check the client.
		client bool
	}{
		{"sales", crm.Access{Contracts: crm.Visibility{OwnerID: &sam}, Clients: crm.Visibility{OwnerID: &sam}},
			[]string{"(k.search_text || '') LIKE $3", "owner_trigrams(k.sales_contact_id, k.search_text) @> owner_trigrams($4, $5)"}, true},
		{"support", crm.Access{Contracts: crm.Visibility{SupportID: &pia}, Clients: crm.Visibility{SupportID: &pia}},
			[]string{"WHERE k.id IN (SELECT k.id FROM contracts k WHERE (k.id IN (SELECT ve.contract_id FROM events ve WHERE ve.support_contact_id = $1)) AND k.search_text LIKE $2",
				"k.search_text LIKE $2"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{}
			after := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"id","id":7}`))
			_, _, err := sqlstore.New(db, d).ListContracts(ctx, crm.ContractFilter{Q: "brasserie", ListOptions: crm.ListOptions{Cursor: after}}, tc.acc)
			require.NoError(t, err)
			require.Len(t, db.calls, len(tc.words))
			for i, c := range db.calls {
				assert.Len(t, placeholder.FindAllString(c.query, -1), len(c.args), "one $n per parameter: %s", c.query)
				assert.Contains(t, c.query, tc.words[i])
				assert.NotContains(t, c.query, "c.search_text", "the client's own search text is not read")
				assert.NotContains(t, c.query, "IN (SELECT c.id FROM clients", "no list of clients")
				if tc.client {
					assert.Contains(t, c.query, check)
					assert.Equal(t, []any{sam, sam, "%brasserie%"}, c.args[:3])
				} else {
					assert.NotContains(t, c.query, "clients")
				}
			}
			assert.NotContains(t, db.calls[0].query, "owner_trigrams", "the window walks the copy")
		})
	}
}
