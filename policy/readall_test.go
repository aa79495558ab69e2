package policy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

func TestReadAllExampleDiffersOnlyInReads(t *testing.T) {
	t.Parallel()
	def, err := policy.Default()
	require.NoError(t, err)
	readAll, err := policy.Load("../examples/policies/read-all.csv")
	require.NoError(t, err)

	// Sales and support read every client, contract and event.
	widened := map[crm.Resource]bool{crm.ResourceClient: true, crm.ResourceContract: true, crm.ResourceEvent: true}
	for _, tc := range everyTriple() {
		got := readAll.Scopes(tc.role, tc.res, tc.act)
		want := def.Scopes(tc.role, tc.res, tc.act)
		if tc.act == crm.ActionRead && widened[tc.res] && (tc.role == crm.RoleSales || tc.role == crm.RoleSupport) {
			assert.Equal(t, scopes(crm.ScopeAny), got, "%s reads every %s", tc.role, tc.res)
			assert.NotEqual(t, want, got, "%s reads of %s differ from the default", tc.role, tc.res)
			continue
		}
		assert.Equal(t, want, got, "%s %s %s is as in the default policy", tc.role, tc.act, tc.res)
	}
}
