package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestFirstAccountOnceAcrossProcesses starts, at once, three servers' worth of first-account
// creation on one empty database: exactly one creates the account and prints its password, and
// none fails.
func TestFirstAccountOnceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	pol, err := policy.Default()
	require.NoError(t, err)
	const processes = 3
	databases := map[string]func(t *testing.T) []database{
		// One store per process on one file, as separate processes have.
		"sqlite": func(t *testing.T) []database {
			url := migratedURL(t)
			dbs := make([]database, processes)
			for i := range dbs {
				db, err := migrated(ctx, url, false)
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				dbs[i] = db
			}
			return dbs
		},
		// One pool serves the three: each process's statements run on their own connections.
		"postgres": func(t *testing.T) []database {
			db := pgtest.New(t)
			return []database{db, db, db}
		},
	}
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			dbs := open(t)
			outs := make([]bytes.Buffer, processes)
			errs := make([]error, processes)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, db := range dbs {
				svc := newService(db, pol)
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = ensureFirstAccount(ctx, svc, &outs[i])
				}()
			}
			close(start)
			wg.Wait()

			printed := 0
			for i := range dbs {
				assert.NoError(t, errs[i], "process %d", i)
				if strings.Contains(outs[i].String(), "password: ") {
					printed++
				} else {
					assert.Empty(t, outs[i].String(), "process %d prints nothing", i)
				}
			}
			assert.Equal(t, 1, printed, "one process prints the password")
			users, _, err := dbs[0].Deps().Users.ListUsers(ctx, crm.UserFilter{}, crm.FullAccess)
			require.NoError(t, err)
			require.Len(t, users, 1)
			assert.Equal(t, "admin", users[0].Username)
		})
	}
}
