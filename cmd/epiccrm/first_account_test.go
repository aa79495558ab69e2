package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// TestFirstAccountOnceAcrossProcesses starts, at once, three servers' worth of first-account
// creation on one empty database: exactly one creates the account and prints its password, and
// none fails.
func TestFirstAccountOnceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	const processes = 3
	databases := map[string]func(t *testing.T) []*epiccrm.App{
		// One store per process on one file, as separate processes have.
		"sqlite": func(t *testing.T) []*epiccrm.App {
			url := migratedURL(t)
			apps := make([]*epiccrm.App, processes)
			for i := range apps {
				app, err := openCRM(ctx, url, false, epiccrm.Config{})
				require.NoError(t, err)
				t.Cleanup(func() { _ = app.Close() })
				apps[i] = app
			}
			return apps
		},
		// One pool serves the three: each process's statements run on their own connections.
		"postgres": func(t *testing.T) []*epiccrm.App {
			db := pgtest.New(t)
			apps := make([]*epiccrm.App, processes)
			for i := range apps {
				app, err := epiccrm.Open(ctx, epiccrm.Config{Store: db})
				require.NoError(t, err)
				apps[i] = app
			}
			return apps
		},
	}
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			apps := open(t)
			outs := make([]bytes.Buffer, processes)
			errs := make([]error, processes)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, app := range apps {
				svc := app.Service
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = ensureFirstAccount(ctx, svc, "", &outs[i])
				}()
			}
			close(start)
			wg.Wait()

			printed := 0
			for i := range apps {
				assert.NoError(t, errs[i], "process %d", i)
				if strings.Contains(outs[i].String(), "password: ") {
					printed++
				} else {
					assert.Empty(t, outs[i].String(), "process %d prints nothing", i)
				}
			}
			assert.Equal(t, 1, printed, "one process prints the password")
			users, _, err := apps[0].Store().Deps().Users.ListUsers(ctx, crm.UserFilter{}, crm.FullAccess)
			require.NoError(t, err)
			require.Len(t, users, 1)
			assert.Equal(t, "admin", users[0].Username)
		})
	}
}
