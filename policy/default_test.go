package policy_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// specTable is SPEC.md section 4's permission table, written out by hand (not derived from
// policy.csv): role -> resource -> action -> scopes. What it does not list is never allowed.
var specTable = map[crm.Role]map[crm.Resource]map[crm.Action][]crm.Scope{
	crm.RoleManagement: {
		crm.ResourceUser: {
			crm.ActionRead: scopes(crm.ScopeAny), crm.ActionCreate: scopes(crm.ScopeAny),
			crm.ActionUpdate: scopes(crm.ScopeAny), crm.ActionDelete: scopes(crm.ScopeAny),
		},
		crm.ResourceClient: {
			crm.ActionRead: scopes(crm.ScopeAny), crm.ActionCreate: scopes(crm.ScopeAny),
			crm.ActionUpdate: scopes(crm.ScopeAny), crm.ActionDelete: scopes(crm.ScopeAny),
			crm.ActionAssign: scopes(crm.ScopeAny),
		},
		crm.ResourceContract: {
			crm.ActionRead: scopes(crm.ScopeAny), crm.ActionCreate: scopes(crm.ScopeAny),
			crm.ActionUpdate: scopes(crm.ScopeAny), crm.ActionDelete: scopes(crm.ScopeAny),
			crm.ActionSign: scopes(crm.ScopeAny), crm.ActionAssign: scopes(crm.ScopeAny),
		},
		crm.ResourceEvent: {
			crm.ActionRead: scopes(crm.ScopeAny), crm.ActionCreate: scopes(crm.ScopeAny),
			crm.ActionUpdate: scopes(crm.ScopeAny), crm.ActionDelete: scopes(crm.ScopeAny),
			crm.ActionAssign: scopes(crm.ScopeAny),
		},
		crm.ResourceAudit: {
			crm.ActionRead: scopes(crm.ScopeAny),
		},
	},
	crm.RoleSales: {
		crm.ResourceUser: {
			crm.ActionRead: scopes(crm.ScopeSelf), crm.ActionUpdate: scopes(crm.ScopeSelf),
		},
		crm.ResourceClient: {
			crm.ActionRead: scopes(crm.ScopeOwn), crm.ActionUpdate: scopes(crm.ScopeOwn),
			crm.ActionCreate: scopes(crm.ScopeAny),
		},
		crm.ResourceContract: {
			crm.ActionRead: scopes(crm.ScopeOwn), crm.ActionUpdate: scopes(crm.ScopeOwn),
			crm.ActionSign: scopes(crm.ScopeOwn), crm.ActionCreate: scopes(crm.ScopeOwn),
		},
		crm.ResourceEvent: {
			crm.ActionRead: scopes(crm.ScopeOwn), crm.ActionCreate: scopes(crm.ScopeOwn),
		},
	},
	crm.RoleSupport: {
		crm.ResourceUser: {
			crm.ActionRead: scopes(crm.ScopeSelf), crm.ActionUpdate: scopes(crm.ScopeSelf),
		},
		crm.ResourceClient: {
			crm.ActionRead: scopes(crm.ScopeAssigned),
		},
		crm.ResourceContract: {
			crm.ActionRead: scopes(crm.ScopeAssigned),
		},
		crm.ResourceEvent: {
			crm.ActionRead: scopes(crm.ScopeAssigned), crm.ActionUpdate: scopes(crm.ScopeAssigned),
		},
	},
}

// specRows is the number of (role, resource, action) entries of specTable, counted by hand:
// management 4+5+6+5+1, sales 2+3+4+2, support 2+1+1+2.
const specRows = 21 + 11 + 6

func TestDefaultMatchesSpecTable(t *testing.T) {
	t.Parallel()
	p, err := policy.Default()
	require.NoError(t, err)
	for _, tc := range everyTriple() {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.role, tc.res, tc.act), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, specTable[tc.role][tc.res][tc.act], p.Scopes(tc.role, tc.res, tc.act))
		})
	}
}

func TestDefaultMatrixIsSpecTable(t *testing.T) {
	t.Parallel()
	p, err := policy.Default()
	require.NoError(t, err)
	matrix := p.Matrix()
	require.Len(t, matrix, specRows)
	var want []policy.Rule
	for _, role := range crm.Roles {
		for _, res := range crm.Resources {
			for _, act := range crm.Actions {
				if sc := specTable[role][res][act]; sc != nil {
					want = append(want, policy.Rule{Role: role, Resource: res, Action: act, Scopes: sc})
				}
			}
		}
	}
	assert.Equal(t, want, matrix, "the matrix is the spec table, sorted by role, resource and action")
	assert.Equal(t, []string{"management", "sales", "support"}, p.Roles())
	assert.Equal(t, policy.DefaultName, p.Name())
}

func TestDefaultIsTheShippedFile(t *testing.T) {
	t.Parallel()
	embedded, err := policy.Default()
	require.NoError(t, err)
	again, err := policy.Default()
	require.NoError(t, err)
	assert.Same(t, embedded, again, "the built-in policy is parsed once")
	onDisk, err := policy.Load("policy.csv")
	require.NoError(t, err)
	assert.Equal(t, embedded.Matrix(), onDisk.Matrix())
	assert.Equal(t, "policy.csv", onDisk.Name())
}
