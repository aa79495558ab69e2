package main

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// TestDemoDetectedWithoutLoggingIn throttles the demo manager, then loads the demo again: it is
// recognised as loaded, by serve --demo as well as by demo.
func TestDemoDetectedWithoutLoggingIn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	url := "sqlite:" + filepath.Join(dir, "crm.db")
	r := runCmd(t, ctx, "", nil, "demo", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "demo data loaded")

	app, err := openCRM(ctx, url, false, epiccrm.Config{})
	require.NoError(t, err)
	svc := app.Service
	for i := 0; i <= crm.DefaultThrottling.PerAccount; i++ {
		_, err = svc.Authenticate(ctx, "ada", "not-her-password", "")
		require.Error(t, err)
	}
	_, err = svc.Authenticate(ctx, "ada", demoPassword, "")
	require.Equal(t, crm.ETHROTTLED, crm.ErrorCode(err), "ada is throttled: %v", err)
	require.NoError(t, app.Close())

	r = runCmd(t, ctx, "", nil, "demo", "--database-url", url)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "already loaded")
	assert.Contains(t, r.stdout, demoPassword, "the logins are printed again")

	// serve --demo gets past the demo data too: it stops only where it listens, on an address
	// already taken.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	environ := map[string]string{"EPICCRM_ADDR": taken.Addr().String(), "EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem")}
	r = runCmd(t, ctx, "", environ, "serve", "--demo", "--database-url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "already loaded", r.stderr)
	assert.Contains(t, r.stderr, "cannot listen on "+taken.Addr().String(), "serve got past the demo data")

	// A real user named ada is not the demo manager: the demo is refused there.
	other := sqliteURL(t)
	r = runCmd(t, ctx, "Velvet-Harbor-91\n", nil, "createsuperuser", "--username", "ada", "--email", "ada@real.example",
		"--password-stdin", "--database-url", other)
	require.Equal(t, 0, r.code, r.stderr)
	r = runCmd(t, ctx, "", nil, "demo", "--database-url", other)
	assert.Equal(t, 1, r.code, "demo data never goes into a database with real users")
	assert.Contains(t, r.stderr, "already has users")
}
