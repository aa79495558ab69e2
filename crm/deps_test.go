package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestNewNamesMissingDependencies checks that a forgotten dependency is named, so that an
// embedder knows which one to supply.
func TestNewNamesMissingDependencies(t *testing.T) {
	err := crm.Deps{}.Validate()
	require.Error(t, err)
	for _, name := range []string{"Users", "Clients", "Contracts", "Events", "Audit", "Throttle", "Authorizer", "Passwords"} {
		assert.Contains(t, err.Error(), name)
	}
	assert.PanicsWithValue(t, "crm.New: "+err.Error(), func() { crm.New(crm.Deps{}) })

	store := newMemStore()
	deps := crm.Deps{Users: store, Clients: store, Contracts: store, Events: store, Audit: store,
		Throttle: store, Authorizer: defaultMatrix()}
	err = deps.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing Passwords (")
	assert.NotContains(t, err.Error(), "Users")
}
