package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	var sellers []*crm.User
	for i := range 2 {
		u := &crm.User{Username: fmt.Sprintf("seller%d", i), Email: fmt.Sprintf("seller%d@x.test", i), Role: crm.RoleSales,
			IsActive: true, DateJoined: time.Now(), PasswordHash: "h", AuthVersion: 1}
		require.NoError(t, s.CreateUser(ctx, u, nil))
		sellers = append(sellers, u)
	}
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
	rows, err := reader.QueryContext(ctx, "SELECT c.search_text, c.sales_contact_id, o.owned FROM clients c JOIN clients_owned o USING (id)")
	require.NoError(t, err)
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
	require.NoError(t, rows.Close())
	assert.Equal(t, 3, n)

	// How many clients the index finds for a word written in each seller's characters.
	found := func(word string) []int {
		t.Helper()
		var out []int
		for _, u := range sellers {
			var n int
			require.NoError(t, reader.QueryRowContext(ctx, "SELECT count(*) FROM clients_fts WHERE clients_fts MATCH ?",
				`owned : "`+sqlstore.OwnedText(u.ID, word)+`"`).Scan(&n))
			out = append(out, n)
		}
		return out
	}
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
	_, err = s.UpdateClient(ctx, clients[3].ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
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
