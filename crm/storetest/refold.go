package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// Searcher is what SearchFindsRefoldedRows searches through: the list and count ports.
type Searcher interface {
	ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error)
	CountClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) (int, error)
	ListContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) ([]*crm.Contract, string, error)
	ListEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) ([]*crm.Event, string, error)
	ListUsers(ctx context.Context, f crm.UserFilter, acc crm.Access) ([]*crm.User, string, error)
}

// SearchFindsRefoldedRows checks, after a store's migration has folded rows written before the
// search columns existed, that search finds them: the client Amélie Durand of the Crêperie, the
// 600 clients "Client N1".."Client N600" (every batch folded), the event "Fête" in Orléans and the
// user Hélène Géraud, which the store's test wrote with its own SQL, and the contract of Amélie
// Durand by her search text (a contract's copy of its client's).
func SearchFindsRefoldedRows(t *testing.T, s Searcher) {
	t.Helper()
	ctx := context.Background()
	got, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "AMELIE creperie"}, crm.FullAccess)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "Amélie", got[0].FirstName)
	count, err := s.CountClients(ctx, crm.ClientFilter{Q: "client", LastName: "n6"}, crm.FullAccess)
	require.NoError(t, err)
	assert.Equal(t, 12, count, "N6 and N60..N600, every batch folded")
	contracts, _, err := s.ListContracts(ctx, crm.ContractFilter{Q: "AMELIE creperie"}, crm.FullAccess)
	require.NoError(t, err)
	require.Len(t, contracts, 1)
	assert.Equal(t, got[0].ID, contracts[0].ClientID)
	events, _, err := s.ListEvents(ctx, crm.EventFilter{Q: "fete orleans"}, crm.FullAccess)
	require.NoError(t, err)
	assert.Len(t, events, 1)
	users, _, err := s.ListUsers(ctx, crm.UserFilter{Q: "helene geraud"}, crm.FullAccess)
	require.NoError(t, err)
	assert.Len(t, users, 1)
}
