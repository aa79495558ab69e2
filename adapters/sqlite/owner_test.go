package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// The owned column of clients_fts (migration 0020) holds each client's search text written in
// its sales contact's characters, as sqlstore.OwnedText writes a search's words, and nothing for
// a client without one; a change of sales contact or of search text moves the client's entries.
func TestSearchIndexHoldsTheOwnersText(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	sellers := twoSellers(t, s)
	var clients []*crm.Client
	for i, owner := range []*crm.User{sellers[0], sellers[0], sellers[1], nil, nil} {
		c := &crm.Client{FirstName: "Zoé-Ünal", LastName: fmt.Sprintf("Client%d", i), Email: fmt.Sprintf("o%d@x.test", i),
			Company: "Ōkubo & 日本 SA", Status: crm.ClientPotential, DateCreated: time.Now(), DateUpdated: time.Now()}
		if owner != nil {
			c.SalesContactID = &owner.ID
		}
		require.NoError(t, s.CreateClient(ctx, c, nil))
		clients = append(clients, c)
	}
	reader, _ := s.Pools()
	// The view the triggers read writes what OwnedText writes, for every client with an owner.
	assert.Equal(t, 3, checkOwnedView(t, reader, "SELECT c.search_text, c.sales_contact_id, o.owned FROM clients c JOIN clients_owned o USING (id)"))

	// How many clients the index finds for a word written in each seller's characters.
	found := func(word string) []int { return ownedMatches(t, reader, "clients_fts", sellers, word) }
	assert.Equal(t, []int{2, 1}, found("zoe-unal"))
	assert.Equal(t, []int{2, 1}, found("okubo & 日本"))
	assert.Equal(t, []int{0, 0}, found("missing"))

	move := func(c *crm.Client, to *int64) {
		t.Helper()
		_, err := s.UpdateClient(ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
			c.SalesContactID = to
			return nil, nil
		})
		require.NoError(t, err)
	}
	move(clients[0], &sellers[1].ID)
	move(clients[2], nil)
	move(clients[3], &sellers[0].ID)
	assert.Equal(t, []int{2, 1}, found("zoe-unal"))
	move(clients[1], nil)
	assert.Equal(t, []int{1, 1}, found("zoe-unal"))
	_, err := s.UpdateClient(ctx, clients[3].ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.FirstName = "Yann"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1}, found("zoe-unal"))
	assert.Equal(t, []int{1, 0}, found("yann"))

	// A client whose text holds, as typed, the characters its owner's alphabet writes a word
	// with matches that word in the index; the search checks the word on the search text, and
	// leaves the client out.
	decoy := &crm.Client{FirstName: sqlstore.OwnedText(sellers[0].ID, "decoy"), LastName: "Smith", Email: "d1@x.test",
		Status: crm.ClientPotential, SalesContactID: &sellers[0].ID, DateCreated: time.Now(), DateUpdated: time.Now()}
	require.NoError(t, s.CreateClient(ctx, decoy, nil))
	assert.Equal(t, []int{1, 0}, found("decoy"), "the index holds the typed characters as the owner's")
	scope := crm.Access{Clients: crm.Visibility{OwnerID: &sellers[0].ID}}
	got, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "decoy"}, scope)
	require.NoError(t, err)
	assert.Empty(t, got)
	got, _, err = s.ListClients(ctx, crm.ClientFilter{Q: "smith"}, scope)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, decoy.ID, got[0].ID)
}

// The owned column of events_fts (migration 0021) holds each event's search text written in the
// characters of its contract's sales contact, and nothing for an event whose contract has none;
// a change of the contract's sales contact, or of the event's search text, moves the event's
// entries.
func TestEventSearchIndexHoldsTheOwnersText(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	sellers := twoSellers(t, s)
	var contracts []*crm.Contract
	var events []*crm.Event
	for i, owner := range []*crm.User{sellers[0], sellers[0], sellers[1], nil} {
		c := &crm.Client{FirstName: "Client", LastName: fmt.Sprint(i), Email: fmt.Sprintf("e%d@x.test", i),
			Status: crm.ClientPotential, DateCreated: time.Now(), DateUpdated: time.Now()}
		k := &crm.Contract{Amount: 100, Status: crm.ContractOpen, DateCreated: time.Now(), DateUpdated: time.Now()}
		if owner != nil {
			c.SalesContactID, k.SalesContactID = &owner.ID, &owner.ID
		}
		require.NoError(t, s.CreateClient(ctx, c, nil))
		k.ClientID = c.ID
		require.NoError(t, s.CreateContract(ctx, k, nil))
		e := &crm.Event{Name: "Gala Ōkubo", ContractID: k.ID, EventDate: time.Now(), Location: "Quai des Brumes",
			Status: crm.EventOpen, DateCreated: time.Now(), DateUpdated: time.Now()}
		require.NoError(t, s.CreateEvent(ctx, e, nil))
		contracts, events = append(contracts, k), append(events, e)
	}
	reader, _ := s.Pools()
	assert.Equal(t, 3, checkOwnedView(t, reader, "SELECT e.search_text, k.sales_contact_id, o.owned FROM events e JOIN contracts k ON k.id = e.contract_id JOIN events_owned o ON o.id = e.id"))
	found := func(word string) []int { return ownedMatches(t, reader, "events_fts", sellers, word) }
	assert.Equal(t, []int{2, 1}, found("gala okubo"))
	assert.Equal(t, []int{0, 0}, found("missing"))

	hand := func(k *crm.Contract, to *int64) {
		t.Helper()
		_, err := s.UpdateContract(ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
			k.SalesContactID = to
			return crm.ContractChange{}, nil
		})
		require.NoError(t, err)
	}
	hand(contracts[0], &sellers[1].ID)
	hand(contracts[2], nil)
	hand(contracts[3], &sellers[0].ID)
	assert.Equal(t, []int{2, 1}, found("brumes"))
	hand(contracts[1], nil)
	assert.Equal(t, []int{1, 1}, found("brumes"))
	_, err := s.UpdateEvent(ctx, events[3].ID, crm.EveryWrite, func(e *crm.Event) ([]crm.AuditEntry, error) {
		e.Location = "Lyon"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1}, found("brumes"))
	assert.Equal(t, []int{1, 0}, found("lyon"))
	assert.Equal(t, 2, checkOwnedView(t, reader, "SELECT e.search_text, k.sales_contact_id, o.owned FROM events e JOIN contracts k ON k.id = e.contract_id JOIN events_owned o ON o.id = e.id"))
}

// The owned column of contracts_fts (migration 0024) holds each contract's copy of its client's
// search text written in the characters of the contract's sales contact, as sqlstore.OwnedText
// writes a search's words, and nothing for a contract without one; a change of the contract's
// sales contact, or of its client's search text, moves the contract's entries.
func TestContractSearchIndexHoldsTheOwnersText(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	sellers := twoSellers(t, s)
	var clients []*crm.Client
	var contracts []*crm.Contract
	for i, owner := range []*crm.User{sellers[0], sellers[0], sellers[1], nil} {
		c := &crm.Client{FirstName: "Zoé-Ünal", LastName: fmt.Sprint(i), Email: fmt.Sprintf("k%d@x.test", i),
			Company: "Ōkubo & 日本 SA", Status: crm.ClientPotential, DateCreated: time.Now(), DateUpdated: time.Now()}
		require.NoError(t, s.CreateClient(ctx, c, nil))
		k := &crm.Contract{ClientID: c.ID, Amount: 100, Status: crm.ContractOpen, DateCreated: time.Now(), DateUpdated: time.Now()}
		if owner != nil {
			k.SalesContactID = &owner.ID
		}
		require.NoError(t, s.CreateContract(ctx, k, nil))
		clients, contracts = append(clients, c), append(contracts, k)
	}
	reader, _ := s.Pools()
	view := "SELECT k.search_text, k.sales_contact_id, o.owned FROM contracts k JOIN contracts_owned o USING (id)"
	assert.Equal(t, 3, checkOwnedView(t, reader, view))
	found := func(word string) []int { return ownedMatches(t, reader, "contracts_fts", sellers, word) }
	assert.Equal(t, []int{2, 1}, found("zoe-unal"))
	assert.Equal(t, []int{2, 1}, found("okubo & 日本"))
	assert.Equal(t, []int{0, 0}, found("missing"))

	hand := func(k *crm.Contract, to *int64) {
		t.Helper()
		_, err := s.UpdateContract(ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
			k.SalesContactID = to
			return crm.ContractChange{}, nil
		})
		require.NoError(t, err)
	}
	hand(contracts[0], &sellers[1].ID)
	hand(contracts[2], nil)
	hand(contracts[3], &sellers[0].ID)
	assert.Equal(t, []int{2, 1}, found("zoe-unal"))
	hand(contracts[1], nil)
	assert.Equal(t, []int{1, 1}, found("zoe-unal"))
	_, err := s.UpdateClient(ctx, clients[3].ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.FirstName = "Yann"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1}, found("zoe-unal"))
	assert.Equal(t, []int{1, 0}, found("yann"), "the client's new text reaches its contract's entries")
	assert.Equal(t, 2, checkOwnedView(t, reader, view))
}

// twoSellers creates two sales users.
func twoSellers(t *testing.T, s *sqlite.Store) []*crm.User {
	t.Helper()
	var sellers []*crm.User
	for i := range 2 {
		u := &crm.User{Username: fmt.Sprintf("seller%d", i), Email: fmt.Sprintf("seller%d@x.test", i), Role: crm.RoleSales,
			IsActive: true, DateJoined: time.Now(), PasswordHash: "h", AuthVersion: 1}
		require.NoError(t, s.CreateUser(context.Background(), u, nil))
		sellers = append(sellers, u)
	}
	return sellers
}

// checkOwnedView checks that the rows of query (a search text, its owner's id and the owned
// column of the view that an FTS5 table's triggers read) hold what OwnedText writes for every
// row with an owner, and nothing for a row without one, and returns how many have an owner.
func checkOwnedView(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var text string
		var owner *int64
		var owned *string
		require.NoError(t, rows.Scan(&text, &owner, &owned))
		if owner == nil {
			assert.Nil(t, owned)
			continue
		}
		require.NotNil(t, owned)
		assert.Equal(t, sqlstore.OwnedText(*owner, text), *owned)
		assert.NotEqual(t, text, *owned)
		n++
	}
	require.NoError(t, rows.Err())
	return n
}

// ownedMatches returns how many rows the FTS5 table fts finds for word written in each seller's
// characters.
func ownedMatches(t *testing.T, db *sql.DB, fts string, sellers []*crm.User, word string) []int {
	t.Helper()
	var out []int
	for _, u := range sellers {
		var n int
		require.NoError(t, db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+fts+" WHERE "+fts+" MATCH ?",
			`owned : "`+sqlstore.OwnedText(u.ID, word)+`"`).Scan(&n))
		out = append(out, n)
	}
	return out
}
