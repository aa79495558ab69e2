package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestGrantsNameTheLines checks that Grants names the p line of each scope with its number and,
// for an inherited scope, the g lines it comes through, the role's own first.
func TestGrantsNameTheLines(t *testing.T) {
	t.Parallel()
	p := mustParse(t, base+lines(
		"g, support, readers",                // 4
		"g, readers, viewers",                // 5
		"p, viewers, client, read, any",      // 6
		"p, support, client, read, assigned", // 7
		"p, management, client, update, any", // 8
	))
	got := p.Grants(crm.RoleSupport, crm.ResourceClient, crm.ActionRead)
	require.Len(t, got, 2)
	assert.Equal(t, crm.ScopeAny, got[0].Scope, "in the order of crm.Scopes")
	assert.Equal(t, []crm.PolicyLine{
		{File: "test.csv", Line: 4, Text: "g, support, readers"},
		{File: "test.csv", Line: 5, Text: "g, readers, viewers"},
		{File: "test.csv", Line: 6, Text: "p, viewers, client, read, any"},
	}, got[0].Lines)
	assert.Equal(t, crm.ScopeAssigned, got[1].Scope)
	assert.Equal(t, []crm.PolicyLine{{File: "test.csv", Line: 7, Text: "p, support, client, read, assigned"}}, got[1].Lines)
	assert.Equal(t, "test.csv:7: p, support, client, read, assigned", got[1].Lines[0].String())

	assert.Empty(t, p.Grants(crm.RoleSales, crm.ResourceClient, crm.ActionUpdate), "nothing grants it")
	assert.Empty(t, p.Grants("viewers", crm.ResourceClient, crm.ActionRead), "a group is not a user role")
	for _, tr := range everyTriple() {
		var fromGrants []crm.Scope
		for _, g := range p.Grants(tr.role, tr.res, tr.act) {
			if len(fromGrants) == 0 || fromGrants[len(fromGrants)-1] != g.Scope {
				fromGrants = append(fromGrants, g.Scope)
			}
		}
		assert.Equal(t, p.Scopes(tr.role, tr.res, tr.act), fromGrants, "%v: the grants give exactly the scopes", tr)
	}
}

// TestDiff compares effective permissions: inheritance resolved, comments and regrouping
// ignored.
func TestDiff(t *testing.T) {
	t.Parallel()
	def, err := policy.Default()
	require.NoError(t, err)
	added, removed := policy.Diff(def, def)
	assert.Empty(t, added)
	assert.Empty(t, removed)

	regrouped := mustParse(t, policy.DefaultCSV+lines("g, support, readers", "p, readers, event, read, assigned"))
	added, removed = policy.Diff(def, regrouped)
	assert.Empty(t, added, "the same permission through a group is no change")
	assert.Empty(t, removed)

	changed := mustParse(t, policy.DefaultCSV+lines("g, support, readers", "p, readers, client, read, any"))
	added, removed = policy.Diff(def, changed)
	assert.Equal(t, []policy.Permission{{Role: crm.RoleSupport, Resource: crm.ResourceClient, Action: crm.ActionRead, Scope: crm.ScopeAny}}, added)
	assert.Empty(t, removed)
	added, removed = policy.Diff(changed, def)
	assert.Empty(t, added)
	require.Len(t, removed, 1)
	assert.Equal(t, "support, client, read, any", removed[0].String())
}

// TestReloadLogsWhatChanged checks that the log line of a reload lists the permissions added
// and removed.
func TestReloadLogsWhatChanged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policy.csv")
	writeAtomic(t, path, policy.DefaultCSV)
	live, logs := watch(t, path)
	require.NoError(t, live.Close())
	writeAtomic(t, path, salesMore)
	require.NoError(t, live.Reload())
	log := logs.String()
	assert.Contains(t, log, `"change":"2 permission(s) added, 0 removed"`)
	assert.Contains(t, log, `"added":["sales, event, read, any","support, client, update, assigned"]`)
	assert.Contains(t, log, `"removed":[]`)

	require.NoError(t, os.WriteFile(path, []byte(policy.DefaultCSV), 0o600))
	require.NoError(t, live.Reload())
	assert.Contains(t, logs.String(), `"removed":["sales, event, read, any","support, client, update, assigned"]`)

	got := live.Grants(crm.RoleSales, crm.ResourceClient, crm.ActionRead)
	require.Len(t, got, 1)
	assert.Equal(t, path, got[0].Lines[0].File, "the live policy names its file")
}
