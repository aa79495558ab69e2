package policy_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

func TestLoadReadsAFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "custom.csv")
	require.NoError(t, os.WriteFile(path, []byte(base), 0o600))
	p, err := policy.Load(path)
	require.NoError(t, err)
	assert.Equal(t, path, p.Name())
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead))
	assert.Nil(t, p.Scopes(crm.RoleSupport, crm.ResourceClient, crm.ActionRead))
}

func TestLoadNamesTheFileInProblems(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(path, []byte(base+"p, sales, client, read, mine\n"), 0o600))
	_, err := policy.Load(path)
	var le *policy.LoadError
	require.True(t, errors.As(err, &le), "want a *LoadError, got %v", err)
	assert.Equal(t, path, le.File)
	assert.Contains(t, err.Error(), path+":4: unknown scope \"mine\"")
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.csv")
	_, err := policy.Load(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	var le *policy.LoadError
	assert.False(t, errors.As(err, &le), "an unreadable file is not a policy with bad lines")
	assert.Contains(t, err.Error(), path)
}

func TestScopesReturnsACopy(t *testing.T) {
	t.Parallel()
	p := mustParse(t, base)
	got := p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead)
	require.Equal(t, scopes(crm.ScopeOwn), got)
	got[0] = crm.ScopeAny
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead),
		"changing a returned slice does not change the policy")
	m := p.Matrix()
	m[0].Scopes[0] = crm.ScopeSelf
	assert.Equal(t, scopes(crm.ScopeAny), p.Matrix()[0].Scopes)
}

func TestScopesOrderAndMerge(t *testing.T) {
	t.Parallel()
	p := mustParse(t, lines(
		"p, sales, event, read, assigned",
		"p, sales, event, read, any",
		"p, sales, event, read, own",
		"p, sales, user, read, self",
		"p, sales, user, read, any",
	))
	assert.Equal(t, scopes(crm.ScopeAny, crm.ScopeOwn, crm.ScopeAssigned), p.Scopes(crm.RoleSales, crm.ResourceEvent, crm.ActionRead))
	assert.Equal(t, scopes(crm.ScopeAny, crm.ScopeSelf), p.Scopes(crm.RoleSales, crm.ResourceUser, crm.ActionRead))
}

func TestParseAcceptsCasbinSpelling(t *testing.T) {
	t.Parallel()
	// A byte order mark, CRLF line ends, indentation, quoted values and no spaces at all are
	// read as Casbin reads them.
	p := mustParse(t, "\ufeff# comment\r\n\r\n  p,sales,client,read,own\r\n\t# indented comment\r\np, \"support\", \"event\", read , assigned\r\n")
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead))
	assert.Equal(t, scopes(crm.ScopeAssigned), p.Scopes(crm.RoleSupport, crm.ResourceEvent, crm.ActionRead))
	assert.Len(t, p.Matrix(), 2)
}
