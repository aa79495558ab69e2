package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
)

// The owner column of clients_fts (migration 0019) holds one term per sales contact, the key
// of its id, in the entries of that user's clients, and nothing for a client without one; a
// change of sales contact moves the client's entry.
func TestSearchIndexHoldsTheOwnersKeys(t *testing.T) {
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
		c := &crm.Client{FirstName: "Owned", LastName: fmt.Sprintf("Client%d", i), Email: fmt.Sprintf("o%d@x.test", i),
			Status: crm.ClientPotential, DateCreated: time.Now(), DateUpdated: time.Now()}
		if owner != nil {
			c.SalesContactID = &owner.ID
		}
		require.NoError(t, s.CreateClient(ctx, c, nil))
		clients = append(clients, c)
	}
	key := func(id int64) string {
		return string([]rune{rune(0xE000 + id%4096), rune(0xE000 + id/4096%4096), rune(0xE000 + id/16777216%4096)})
	}
	// fts5vocab lists the terms of the index, with how many rows hold each, column by column.
	reader, writer := s.Pools()
	_, err := writer.ExecContext(ctx, "CREATE VIRTUAL TABLE clients_vocab USING fts5vocab(clients_fts, col)")
	require.NoError(t, err)
	owners := func() map[string]int {
		t.Helper()
		rows, err := reader.QueryContext(ctx, "SELECT term, doc FROM clients_vocab WHERE col = 'owner'")
		require.NoError(t, err)
		defer func() { _ = rows.Close() }()
		got := map[string]int{}
		for rows.Next() {
			var term string
			var docs int
			require.NoError(t, rows.Scan(&term, &docs))
			got[term] = docs
		}
		require.NoError(t, rows.Err())
		return got
	}
	assert.Equal(t, map[string]int{key(sellers[0].ID): 2, key(sellers[1].ID): 1}, owners())

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
	assert.Equal(t, map[string]int{key(sellers[0].ID): 2, key(sellers[1].ID): 1}, owners())
	move(clients[1], nil)
	assert.Equal(t, map[string]int{key(sellers[0].ID): 1, key(sellers[1].ID): 1}, owners())
}
