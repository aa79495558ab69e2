package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

func TestGroupsGivePermissionsToTheRolesThatInheritThem(t *testing.T) {
	t.Parallel()
	p := mustParse(t, base+lines(
		"p, readers, contract, read, any",
		"p, readers, event, read, any",
		"p, auditors, audit, read, any",
		"g, sales, readers",
		"g, support, readers",
		"g, readers, auditors", // a group may inherit a group
	))
	for _, role := range []crm.Role{crm.RoleSales, crm.RoleSupport} {
		assert.Equal(t, scopes(crm.ScopeAny), p.Scopes(role, crm.ResourceContract, crm.ActionRead), role)
		assert.Equal(t, scopes(crm.ScopeAny), p.Scopes(role, crm.ResourceEvent, crm.ActionRead), role)
		assert.Equal(t, scopes(crm.ScopeAny), p.Scopes(role, crm.ResourceAudit, crm.ActionRead), "%s inherits auditors through readers", role)
	}
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead), "own lines stay")
	assert.Nil(t, p.Scopes(crm.RoleManagement, crm.ResourceEvent, crm.ActionRead), "management does not inherit readers")
	assert.Nil(t, p.Scopes("readers", crm.ResourceEvent, crm.ActionRead), "a group is not a role a user can hold")
	assert.Equal(t, []string{"management", "sales", "support", "auditors", "readers"}, p.Roles())

	var rows []string
	for _, r := range p.Matrix() {
		rows = append(rows, fmt.Sprintf("%s %s %s %v", r.Role, r.Resource, r.Action, r.Scopes))
	}
	assert.Equal(t, []string{
		"management client read [any]",
		"sales client read [own]",
		"sales contract read [any]",
		"sales event read [any]",
		"sales audit read [any]",
		"support contract read [any]",
		"support event read [any]",
		"support audit read [any]",
	}, rows, "the matrix resolves inheritance and lists user roles only")
}

func TestUserRoleMayInheritAnotherUserRole(t *testing.T) {
	t.Parallel()
	p := mustParse(t, lines(
		"p, management, user, read, any",
		"p, sales, user, read, self",
		"p, sales, contract, sign, own",
		"g, management, sales",
	))
	assert.Equal(t, scopes(crm.ScopeAny, crm.ScopeSelf), p.Scopes(crm.RoleManagement, crm.ResourceUser, crm.ActionRead))
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleManagement, crm.ResourceContract, crm.ActionSign))
	assert.Equal(t, scopes(crm.ScopeSelf), p.Scopes(crm.RoleSales, crm.ResourceUser, crm.ActionRead), "inheritance goes one way")
}

func TestTwoRoleCycleIsRefused(t *testing.T) {
	t.Parallel()
	le := mustRefuse(t, base+lines(
		"p, support, event, read, assigned", // 4
		"g, sales, support",                 // 5
		"g, support, sales",                 // 6
	))
	require.Len(t, le.Errors, 1, le.Error())
	assert.Equal(t, 6, le.Errors[0].Line)
	assert.Equal(t, "g, support, sales", le.Errors[0].Text)
	assert.Contains(t, le.Errors[0].Reason, "role inheritance forms a cycle (sales -> support -> sales)")
}

func TestGroupCycleIsRefused(t *testing.T) {
	t.Parallel()
	le := mustRefuse(t, base+lines(
		"p, a, event, read, any", // 4
		"g, sales, a",            // 5
		"g, a, b",                // 6
		"g, b, c",                // 7
		"g, c, a",                // 8
	))
	require.Len(t, le.Errors, 1, le.Error())
	assert.Equal(t, 8, le.Errors[0].Line)
	assert.Contains(t, le.Errors[0].Reason, "(a -> b -> c -> a)")
}

// chain returns a policy in which sales inherits g1, g1 inherits g2, and so on to gN, which
// alone has a permission: sales is n g lines away from it.
func chain(n int) string {
	ls := []string{fmt.Sprintf("p, g%d, event, read, any", n), "g, sales, g1"}
	for i := 1; i < n; i++ {
		ls = append(ls, fmt.Sprintf("g, g%d, g%d", i, i+1))
	}
	return lines(ls...)
}

func TestInheritanceDepth(t *testing.T) {
	t.Parallel()
	p := mustParse(t, chain(10))
	assert.Equal(t, scopes(crm.ScopeAny), p.Scopes(crm.RoleSales, crm.ResourceEvent, crm.ActionRead),
		"a permission 10 g lines away still applies")

	le := mustRefuse(t, chain(11))
	require.Len(t, le.Errors, 1, le.Error())
	assert.Equal(t, "g, g10, g11", le.Errors[0].Text)
	assert.Contains(t, le.Errors[0].Reason, `sales would inherit "g11" through 11 g lines, more than the 10 that are followed`)
}

func TestRoleProblemsAreReportedOnEveryLine(t *testing.T) {
	t.Parallel()
	le := mustRefuse(t, base+lines(
		"p, sale, client, update, own",   // 4
		"p, sale, contract, update, own", // 5
	))
	require.Len(t, le.Errors, 2, le.Error())
	for i, e := range le.Errors {
		assert.Equal(t, 4+i, e.Line)
		assert.True(t, strings.HasPrefix(e.Reason, `role "sale" can never apply`), e.Reason)
	}
}
