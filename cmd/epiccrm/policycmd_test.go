package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestPolicyExplainCommand runs policy explain on the demo data.
func TestPolicyExplainCommand(t *testing.T) {
	ctx := context.Background()
	db := sqliteURL(t)
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", db)
	require.Equal(t, 0, r.code, r.stderr)

	// Client 4 (Bright Ideas) is sue's.
	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "sam", "--action", "update", "--resource", "client", "--id", "4")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "DENIED: sam may not read client 4")
	assert.Contains(t, r.stdout, "own: the client's sales contact is sue, not sam")
	assert.Regexp(t, `built-in policy\.csv:\d+  p, sales, client, update, own`, r.stdout)
	assert.Regexp(t, `sales_contact_id\s+sam may not set: only a user who may assign contacts may set it.*\(roles: management\)`, r.stdout)

	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "sue", "--action", "update", "--resource", "client", "--id", "4", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var ex crm.Explanation
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ex))
	assert.True(t, ex.Allowed)
	assert.Equal(t, crm.RoleSales, ex.Role)

	// Inheritance: the g line and the inherited role's p line are named.
	file := filepath.Join(t.TempDir(), "p.csv")
	require.NoError(t, os.WriteFile(file, []byte(policy.DefaultCSV+"g, support, readers\np, readers, client, read, any\n"), 0o600))
	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--policy", file, "--user", "pat", "--action", "read", "--resource", "client", "--id", "4")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "ALLOWED")
	assert.Regexp(t, `p\.csv:\d+  g, support, readers  \(inherits through\)`, r.stdout)
	assert.Regexp(t, `p\.csv:\d+  p, readers, client, read, any  \(gives it\)`, r.stdout)

	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "nobody", "--action", "read", "--resource", "client")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `no user named "nobody"`)
	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "sam", "--action", "sign", "--resource", "client")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `there is no "sign" action on client`)
	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "sam", "--action", "read", "--resource", "client", "--id", "999")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no client with id 999")
	r = runCmd(t, ctx, "", nil, "policy", "explain", "--database-url", db, "--user", "sam")
	assert.Equal(t, 2, r.code)
}

// TestPolicyDiffCommand checks the rows and exit status of policy diff, and the impact counts.
func TestPolicyDiffCommand(t *testing.T) {
	ctx := context.Background()
	readAll := filepath.Join("..", "..", "examples", "policies", "read-all.csv")
	r := runCmd(t, ctx, "", nil, "policy", "diff", "-", "-")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "same permissions")

	r = runCmd(t, ctx, "", nil, "policy", "diff", "-", readAll)
	assert.Equal(t, 1, r.code, "the policies differ")
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, "+ support, client, read, any\n")
	assert.Contains(t, r.stdout, "- support, client, read, assigned\n")

	db := sqliteURL(t)
	require.Equal(t, 0, runCmd(t, ctx, "", nil, "demo", "--database-url", db).code)
	r = runCmd(t, ctx, "", nil, "policy", "diff", "-", readAll, "--database-url", db)
	assert.Equal(t, 1, r.code, r.stderr)
	// 8 clients; pat supports the events of 2 of them.
	assert.Contains(t, r.stdout, "support pat: +6 clients readable (scopes assigned -> any)")
	r = runCmd(t, ctx, "", nil, "policy", "diff", readAll, "-", "--database-url", db)
	assert.Contains(t, r.stdout, "support pat: -6 clients readable (scopes any -> assigned)")

	r = runCmd(t, ctx, "", nil, "policy", "diff", "-")
	assert.Equal(t, 2, r.code)
}

// TestPolicyReviewCommand checks the access review in CSV and JSON, and the flag of a
// deactivated user who still holds a session.
func TestPolicyReviewCommand(t *testing.T) {
	ctx := context.Background()
	db := sqliteURL(t)
	require.Equal(t, 0, runCmd(t, ctx, "", nil, "demo", "--database-url", db).code)
	r := runCmd(t, ctx, "", nil, "policy", "review", "--database-url", db)
	require.Equal(t, 0, r.code, r.stderr)
	rows, err := csv.NewReader(bytes.NewBufferString(r.stdout)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, reviewCSVHeader, rows[0])
	assert.Contains(t, rows, []string{"pat", "4", "support", "true", "client", "read", "assigned", "client", "2", ""})
	assert.Contains(t, rows, []string{"sam", "2", "sales", "true", "contract", "create", "own", "client", "4", ""})

	r = runCmd(t, ctx, "", nil, "policy", "review", "--database-url", db, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var rev crm.AccessReview
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rev))
	assert.True(t, rev.CredentialsChecked)
	assert.Empty(t, rev.Flags)

	r = runCmd(t, ctx, "", nil, "policy", "review", "--database-url", db, "--format", "xml")
	assert.Equal(t, 2, r.code)
}

// TestAccessReviewFlagsDeactivatedHolders deactivates a user who holds a session and a refresh
// token: the review no longer lists what they may do, and flags them.
func TestAccessReviewFlagsDeactivatedHolders(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.New(t)
	app := demoApp(t, st)
	ada, err := st.FindUserByUsername(ctx, "ada")
	require.NoError(t, err)
	pat, err := st.FindUserByUsername(ctx, "pat")
	require.NoError(t, err)
	now := time.Now().UTC()
	require.NoError(t, st.CreateSession(ctx, &crm.Session{IDHash: []byte("s"), UserID: pat.ID, AuthVersion: pat.AuthVersion,
		CSRFToken: "c", CreatedAt: now, LastSeen: now}))
	require.NoError(t, st.SaveRefreshToken(ctx, &crm.RefreshToken{Hash: []byte("t"), FamilyID: "f", UserID: pat.ID,
		AuthVersion: pat.AuthVersion, IssuedAt: now, ExpiresAt: now.Add(time.Hour), FamilyIssuedAt: now}))
	_, err = app.Service.UpdateUser(crm.NewContext(ctx, ada), pat.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)

	rev, err := app.Service.AccessReview(ctx)
	require.NoError(t, err)
	for _, row := range rev.Rows {
		assert.NotEqual(t, "pat", row.Username, "a deactivated user may do nothing")
	}
	require.Len(t, rev.Flags, 1)
	assert.Equal(t, "pat", rev.Flags[0].Username)
	assert.Equal(t, 1, rev.Flags[0].RefreshTokens)
	assert.Equal(t, 1, rev.Flags[0].Sessions)

	var buf bytes.Buffer
	require.NoError(t, writeReviewCSV(&buf, rev))
	assert.Contains(t, buf.String(), "pat,4,support,false,,,,,,deactivated but holds 1 refresh token(s) and 1 session(s)")

	_, err = app.Service.ReviewAccess(crm.NewContext(ctx, ada))
	assert.NoError(t, err, "management may review")
	_, err = app.Service.ReviewAccess(crm.NewContext(ctx, must(st.FindUserByUsername(ctx, "sam"))))
	assert.Equal(t, crm.EFORBIDDEN, crm.ErrorCode(err), "sales may not")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCSVSafe checks that cells a spreadsheet would run as formulas are defused (OWASP).
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-2": "'-2", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"sam": "sam", "": "", "a=b": "a=b",
	} {
		assert.Equal(t, want, csvSafe(in), "%q", in)
	}
	var buf bytes.Buffer
	n := 3
	require.NoError(t, writeReviewCSV(&buf, &crm.AccessReview{Rows: []crm.AccessRow{{UserID: 9, Username: "-bob", Role: crm.RoleSales,
		Resource: crm.ResourceClient, Action: crm.ActionRead, Scopes: []crm.Scope{crm.ScopeOwn}, Target: crm.ResourceClient, Records: &n}}}))
	assert.Contains(t, buf.String(), "'-bob,9,sales")
}
