package policy_test

import (
	"os"
	"slices"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// stockEnforcer loads text with the model as stock Casbin does, through its string adapter,
// without this package's parser.
func stockEnforcer(t *testing.T, text string) *casbin.Enforcer {
	t.Helper()
	m, err := model.NewModelFromString(policy.ModelConf)
	require.NoError(t, err)
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(text))
	require.NoError(t, err)
	return e
}

// TestStockCasbinAgrees checks that plain Casbin, given model.conf and a policy file, allows
// exactly the (role, resource, action) triples that have scopes, with the same scopes, and
// that its exact matcher allows nothing for neighbouring names.
func TestStockCasbinAgrees(t *testing.T) {
	t.Parallel()
	readAll, err := os.ReadFile("../examples/policies/read-all.csv")
	require.NoError(t, err)
	texts := map[string]string{
		"default":  policy.DefaultCSV,
		"read-all": string(readAll),
		"groups": base + lines(
			"p, readers, event, read, any",
			"p, writers, event, update, assigned",
			"g, support, readers",
			"g, support, writers",
			"g, writers, readers",
		),
	}
	probes := []string{"client*", "Client", "clients", "*", "", "client ", "read", "any"}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, text)
			e := stockEnforcer(t, text)
			allowed := 0
			for _, tc := range everyTriple() {
				ok, err := e.Enforce(string(tc.role), string(tc.res), string(tc.act))
				require.NoError(t, err)
				got := p.Scopes(tc.role, tc.res, tc.act)
				assert.Equal(t, ok, len(got) > 0, "%s %s %s: Enforce says %v, Scopes %v", tc.role, tc.act, tc.res, ok, got)
				if ok {
					allowed++
				}
				if !tc.role.Valid() {
					continue
				}
				perms, err := e.GetImplicitPermissionsForUser(string(tc.role))
				require.NoError(t, err)
				var want []crm.Scope
				for _, sc := range crm.Scopes {
					if slices.ContainsFunc(perms, func(p []string) bool {
						return p[1] == string(tc.res) && p[2] == string(tc.act) && p[3] == string(sc)
					}) {
						want = append(want, sc)
					}
				}
				assert.Equal(t, want, got, "%s %s %s", tc.role, tc.act, tc.res)
			}
			assert.Positive(t, allowed)
			for _, role := range crm.Roles {
				for _, probe := range probes {
					for _, act := range []string{"read", probe} {
						ok, err := e.Enforce(string(role), probe, act)
						require.NoError(t, err)
						assert.False(t, ok, "%s %s %q is not allowed", role, act, probe)
					}
				}
			}
		})
	}
}
