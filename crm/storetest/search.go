package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSearch checks the search semantics (see crm.FoldSearch) on every list that searches: case
// and accents never matter, every word of q must be contained in some searched field, a text
// filter's whole value must be contained in its field, and % and _ match only themselves. Words
// of one or two characters are included, as the stores match them another way.
func testSearch(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales)
	amelie := f.client(&sales.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "Amélie", "Durand", "amelie.durand@exemple.fr", "Crêperie L'Œuf"
	})
	shouting := f.client(&sales.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "AMÉLIE", "Lefèvre", "a.lefevre@corp.fr", "Big_Corp"
	})
	francois := f.client(&sales.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "François", "Dupont", "fd@cent.fr", "100% Événements"
	})
	zoe := f.client(&sales.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "Zoë", "O'Brien", "zoe@x.io", "Noël & Fils"
	})
	all := []*crm.Client{amelie, shouting, francois, zoe}
	clients := func(t *testing.T, filter crm.ClientFilter, want ...*crm.Client) {
		t.Helper()
		got, _, err := f.s.ListClients(f.ctx, filter, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, ids(want, clientID), ids(got, clientID))
		n, err := f.s.CountClients(f.ctx, filter, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, len(want), n, "count")
	}
	for _, tc := range []struct {
		name   string
		filter crm.ClientFilter
		want   []*crm.Client
	}{
		{"upper case with accents", crm.ClientFilter{Q: "AMÉLIE"}, []*crm.Client{amelie, shouting}},
		{"without accents", crm.ClientFilter{Q: "amelie"}, []*crm.Client{amelie, shouting}},
		{"two words in two fields", crm.ClientFilter{Q: "amélie durand"}, []*crm.Client{amelie}},
		{"words in any order", crm.ClientFilter{Q: "Durand AMELIE"}, []*crm.Client{amelie}},
		{"words of two records match neither", crm.ClientFilter{Q: "amélie dupont"}, nil},
		{"a word across two fields matches nothing", crm.ClientFilter{Q: "ameliedurand"}, nil},
		{"first name and company", crm.ClientFilter{Q: "amelie corp"}, []*crm.Client{shouting}},
		{"a ligature", crm.ClientFilter{Q: "oeuf"}, []*crm.Client{amelie}},
		{"part of a word", crm.ClientFilter{Q: "crêpe"}, []*crm.Client{amelie}},
		{"punctuation", crm.ClientFilter{Q: "l'oeuf"}, []*crm.Client{amelie}},
		{"an apostrophe in a name", crm.ClientFilter{Q: "o'brien"}, []*crm.Client{zoe}},
		{"email", crm.ClientFilter{Q: "DURAND@EXEMPLE.FR"}, []*crm.Client{amelie}},
		{"percent is literal", crm.ClientFilter{Q: "%"}, []*crm.Client{francois}},
		{"percent in a long word", crm.ClientFilter{Q: "100%"}, []*crm.Client{francois}},
		{"underscore is literal", crm.ClientFilter{Q: "_"}, []*crm.Client{shouting}},
		{"underscore in a long word", crm.ClientFilter{Q: "g_c"}, []*crm.Client{shouting}},
		{"no wildcard in a long word", crm.ClientFilter{Q: "g%c"}, nil},
		{"accents in the data only", crm.ClientFilter{Q: "evenements noel"}, nil},
		{"a one-character word", crm.ClientFilter{Q: "noël &"}, []*crm.Client{zoe}},
		{"a two-character word", crm.ClientFilter{Q: "du"}, []*crm.Client{amelie, francois}},
		{"short and long words", crm.ClientFilter{Q: "du fr"}, []*crm.Client{amelie, francois}},
		{"white space only", crm.ClientFilter{Q: "  "}, all},
		{"query syntax is literal", crm.ClientFilter{Q: `"durand" amé* OR (noël) NEAR`}, nil},
		{"a quote in a word", crm.ClientFilter{Q: `l'oeuf"`}, nil},
		{"operators as words", crm.ClientFilter{Q: "AND"}, []*crm.Client{amelie}},
		{"first name, folded", crm.ClientFilter{FirstName: "AMELIE"}, []*crm.Client{amelie, shouting}},
		{"first name is not last name", crm.ClientFilter{FirstName: "durand"}, nil},
		{"last name", crm.ClientFilter{LastName: "lefevre"}, []*crm.Client{shouting}},
		{"a filter matches its whole value", crm.ClientFilter{Company: "creperie l'oeuf"}, []*crm.Client{amelie}},
		{"not its words", crm.ClientFilter{Company: "l'oeuf creperie"}, nil},
		{"email filter", crm.ClientFilter{Email: "Exemple"}, []*crm.Client{amelie}},
		{"company filter, literal percent", crm.ClientFilter{Company: "0%"}, []*crm.Client{francois}},
		{"q and filters are and-ed", crm.ClientFilter{Q: "amelie", LastName: "durand"}, []*crm.Client{amelie}},
	} {
		t.Run("clients/"+tc.name, func(t *testing.T) { clients(t, tc.filter, tc.want...) })
	}

	// A search walked page by page, oldest or newest first, within a scope, returns every match
	// once, in order (SQLite reads the FTS5 index in rowid order for these).
	other := f.user(crm.RoleSales)
	var mine, everyone []int64
	for i := range 5 {
		owner := &sales.ID
		if i%2 == 1 {
			owner = &other.ID
		}
		c := f.client(owner, func(c *crm.Client) { c.Company = fmt.Sprintf("Brasserie %d", i) })
		everyone = append(everyone, c.ID)
		if owner == &sales.ID {
			mine = append(mine, c.ID)
		}
	}
	f.client(&sales.ID, func(c *crm.Client) { c.Company = "Bistrot" })
	// Holds every six-character piece of "brasserie", and every trigram, but not the word.
	f.client(&sales.ID, func(c *crm.Client) { c.Company = "Brasseur & Tasserie" })
	t.Run("clients/a long word is matched whole", func(t *testing.T) {
		for _, vis := range []crm.Visibility{crm.Everything, {OwnerID: &sales.ID}} {
			n, err := f.s.CountClients(f.ctx, crm.ClientFilter{Q: "brasserie"}, crm.Access{Clients: vis})
			require.NoError(t, err)
			want := len(everyone)
			if vis.OwnerID != nil {
				want = len(mine)
			}
			assert.Equal(t, want, n)
		}
	})
	for _, tc := range []struct {
		name string
		vis  crm.Visibility
		want []int64
	}{{"everyone", crm.Everything, everyone}, {"own", crm.Visibility{OwnerID: &sales.ID}, mine}} {
		for _, sort := range []string{"id", "-id"} {
			t.Run("clients/pages of a search/"+tc.name+"/"+sort, func(t *testing.T) {
				want := slices.Clone(tc.want)
				if sort == "-id" {
					slices.Reverse(want)
				}
				var got []int64
				opts := crm.ListOptions{Limit: 2, Sort: sort}
				for range 10 {
					page, next, err := f.s.ListClients(f.ctx, crm.ClientFilter{Q: "brasserie", ListOptions: opts},
						crm.Access{Clients: tc.vis})
					require.NoError(t, err)
					got = append(got, ids(page, clientID)...)
					if next == "" {
						break
					}
					opts.Cursor = next
				}
				assert.Equal(t, want, got)
			})
		}
	}

	kA := f.contract(amelie)
	kS := f.contract(shouting)
	kF := f.contract(francois)
	for _, tc := range []struct {
		name   string
		filter crm.ContractFilter
		want   []*crm.Contract
	}{
		{"q, two words", crm.ContractFilter{Q: "AMÉLIE Durand"}, []*crm.Contract{kA}},
		{"q, accents in the data only", crm.ContractFilter{Q: "evenements"}, []*crm.Contract{kF}},
		{"client first name", crm.ContractFilter{ClientFirstName: "amelie"}, []*crm.Contract{kA, kS}},
		{"client last name", crm.ContractFilter{ClientLastName: "LEFÈVRE"}, []*crm.Contract{kS}},
		{"client email", crm.ContractFilter{ClientEmail: "ÉXEMPLE"}, []*crm.Contract{kA}},
		{"client email, literal underscore", crm.ContractFilter{ClientEmail: "_"}, nil},
	} {
		t.Run("contracts/"+tc.name, func(t *testing.T) {
			got, _, err := f.s.ListContracts(f.ctx, tc.filter, crm.FullAccess)
			require.NoError(t, err)
			assert.Equal(t, ids(tc.want, contractID), ids(got, contractID))
		})
	}

	party := f.event(kA, nil, func(e *crm.Event) { e.Name, e.Location = "Fête de Noël", "Orléans" })
	seminar := f.event(kF, nil, func(e *crm.Event) { e.Name, e.Location = "Séminaire", "Lyon" })
	events := func(t *testing.T, filter crm.EventFilter, want ...*crm.Event) {
		t.Helper()
		got, _, err := f.s.ListEvents(f.ctx, filter, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, ids(want, eventID), ids(got, eventID))
	}
	for _, tc := range []struct {
		name   string
		filter crm.EventFilter
		want   []*crm.Event
	}{
		{"q on name and location", crm.EventFilter{Q: "FETE orleans"}, []*crm.Event{party}},
		{"q, accents", crm.EventFilter{Q: "séminaire"}, []*crm.Event{seminar}},
		{"client first name", crm.EventFilter{ClientFirstName: "FRANCOIS"}, []*crm.Event{seminar}},
		{"client email", crm.EventFilter{ClientEmail: "Exemple.FR"}, []*crm.Event{party}},
	} {
		t.Run("events/"+tc.name, func(t *testing.T) { events(t, tc.filter, tc.want...) })
	}

	helene := f.user(crm.RoleSupport, func(u *crm.User) {
		u.Username, u.Email, u.FirstName, u.LastName = "hélène", "helene@epic.fr", "Hélène", "Géraud"
	})
	users := func(t *testing.T, filter crm.UserFilter, want ...*crm.User) {
		t.Helper()
		got, _, err := f.s.ListUsers(f.ctx, filter, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, ids(want, userID), ids(got, userID))
	}
	for _, tc := range []struct {
		name   string
		filter crm.UserFilter
		want   []*crm.User
	}{
		{"q, two words", crm.UserFilter{Q: "HELENE géraud"}, []*crm.User{helene}},
		{"username", crm.UserFilter{Username: "HÉL"}, []*crm.User{helene}},
		{"last name", crm.UserFilter{LastName: "geraud"}, []*crm.User{helene}},
		{"first name is not last name", crm.UserFilter{FirstName: "geraud"}, nil},
	} {
		t.Run("users/"+tc.name, func(t *testing.T) { users(t, tc.filter, tc.want...) })
	}

	// Every write keeps the search text in step with the row.
	_, err := f.s.UpdateClient(f.ctx, amelie.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.LastName = "Bérard"
		return nil, nil
	})
	require.NoError(t, err)
	clients(t, crm.ClientFilter{LastName: "durand"})
	clients(t, crm.ClientFilter{Q: "amelie berard"}, amelie)
	clients(t, crm.ClientFilter{LastName: "BÉRARD"}, amelie)
	_, err = f.s.UpdateContract(f.ctx, kF.ID, crm.EveryWrite, crm.Everything, func(_ *crm.Contract, c *crm.Client, _ bool) (crm.ContractChange, error) {
		c.Company = "Société Générale"
		return crm.ContractChange{ClientChanged: true}, nil
	})
	require.NoError(t, err)
	clients(t, crm.ClientFilter{Q: "evenements"})
	clients(t, crm.ClientFilter{Q: "societe generale"}, francois)
	_, err = f.s.UpdateEvent(f.ctx, seminar.ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
		e.Location = "Besançon"
		return nil, nil
	})
	require.NoError(t, err)
	events(t, crm.EventFilter{Q: "lyon"})
	events(t, crm.EventFilter{Q: "besancon"}, seminar)
	_, err = f.s.UpdateUser(f.ctx, helene.ID, crm.EveryWrite, func(u *crm.User) ([]crm.AuditEntry, error) {
		u.LastName = "Çelik"
		return nil, nil
	})
	require.NoError(t, err)
	users(t, crm.UserFilter{Q: "geraud"})
	users(t, crm.UserFilter{Q: "celik"}, helene)
	require.NoError(t, f.s.DeleteClient(f.ctx, zoe.ID, crm.EveryWrite, keep[*crm.Client]))
	clients(t, crm.ClientFilter{Q: "o'brien"})
	again := f.client(&sales.ID, func(c *crm.Client) { c.FirstName, c.LastName = "Zoé", "Obrien" })
	clients(t, crm.ClientFilter{Q: "zoe"}, again)
}
