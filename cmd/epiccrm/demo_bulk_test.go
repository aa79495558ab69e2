package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// TestBulkDemoOnBothStores loads a small generated data set with demo --clients --events on
// each store and checks it as the application sees it: the counts, the searches by the
// known words, the rules linking the records, the search index and id sequence of a record
// created afterwards, and the refusal to load twice unless forced.
func TestBulkDemoOnBothStores(t *testing.T) {
	for _, k := range []struct {
		name string
		url  func(t *testing.T) string
	}{{"sqlite", sqliteURL}, {"postgres", func(t *testing.T) string { return pgtest.EmptyURL(t) }}} {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			url := k.url(t)
			r := runCmd(t, ctx, "", nil, "demo", "--clients", "250", "--events", "600", "--database-url", url)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, "demo data loaded: 21 users, 250 clients, 250 contracts, 600 events")
			assert.Contains(t, r.stderr, "loaded events: 600 rows", "a plain progress line per table")

			app, err := openCRM(ctx, url, false, epiccrm.Config{})
			require.NoError(t, err)
			defer app.Close()
			svc := app.Service
			ada, err := app.Store().Deps().Users.FindUserByUsername(ctx, "ada")
			require.NoError(t, err)
			asAda := crm.NewContext(ctx, ada)
			checkBulkData(t, asAda, svc, 250, 600)

			// A client created afterwards takes the next id and is found by search: the id
			// sequence and the search index are back in step.
			c, err := svc.CreateClient(crm.NewContext(ctx, mustUser(t, app, "sam")), crm.ClientInput{FirstName: crm.Some("Océane"),
				LastName: crm.Some("Quincampoix"), Email: crm.Some("oceane@after.example"), Company: crm.Some("After Load SA")})
			require.NoError(t, err)
			assert.Equal(t, int64(251), c.ID)
			found, _, err := svc.ListClients(asAda, crm.ClientFilter{Q: "quincampoix"})
			require.NoError(t, err)
			require.Len(t, found, 1)
			entries, _, err := svc.ListAudit(asAda, crm.AuditFilter{Resource: crm.ResourceClient, ResourceID: c.ID})
			require.NoError(t, err)
			assert.NotEmpty(t, entries, "the new client's creation is audited")
			require.NoError(t, app.Close())

			// Loading again is refused, unless forced: then the records are added after the others.
			r = runCmd(t, ctx, "", nil, "demo", "--clients", "10", "--database-url", url)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, "--force")
			r = runCmd(t, ctx, "", nil, "demo", "--clients", "10", "--events", "5", "--force", "--database-url", url)
			require.Equal(t, 0, r.code, r.stderr)
			app, err = openCRM(ctx, url, false, epiccrm.Config{})
			require.NoError(t, err)
			defer app.Close()
			n, err := app.Service.CountClients(asAda, crm.ClientFilter{})
			require.NoError(t, err)
			assert.Equal(t, 261, n)
			found, _, err = app.Service.ListClients(asAda, crm.ClientFilter{Q: "zephyrine"})
			require.NoError(t, err)
			assert.Len(t, found, 3, "the rare word: twice in the first load, once in the second (7 = 10*7/9)")
		})
	}
}

// checkBulkData checks, as management, a freshly generated data set of clients clients and
// events events.
func checkBulkData(t *testing.T, ctx context.Context, svc *crm.Service, clients, events int) {
	t.Helper()
	n, err := svc.CountClients(ctx, crm.ClientFilter{})
	require.NoError(t, err)
	assert.Equal(t, clients, n)
	n, err = svc.CountContracts(ctx, crm.ContractFilter{})
	require.NoError(t, err)
	assert.Equal(t, clients, n)
	n, err = svc.CountEvents(ctx, crm.EventFilter{})
	require.NoError(t, err)
	assert.Equal(t, events, n)

	rare, _, err := svc.ListClients(ctx, crm.ClientFilter{Q: "zéphyrine"})
	require.NoError(t, err)
	require.Len(t, rare, 2)
	assert.Equal(t, []int64{7, int64(clients * 7 / 9)}, []int64{rare[0].ID, rare[1].ID})
	common, err := svc.CountClients(ctx, crm.ClientFilter{Q: "BRASSERIE"})
	require.NoError(t, err)
	assert.Equal(t, (clients+bulkCommonEvery-1)/bulkCommonEvery, common)
	// Every client of the common word has the sales contact of the first (client i has
	// salesperson i % 10), for whom the search index holds the words (migration 0020).
	first, err := svc.GetClient(ctx, 1)
	require.NoError(t, err)
	other := *first.SalesContactID + 2
	for _, sc := range []struct {
		id   *int64
		want int
	}{{first.SalesContactID, common}, {&other, 0}} {
		n, err := svc.CountClients(ctx, crm.ClientFilter{Q: "brasserie", SalesContactID: sc.id})
		require.NoError(t, err)
		assert.Equal(t, sc.want, n, "the common word's clients of the sales contact %d", *sc.id)
	}
	onCommon, err := svc.CountEvents(ctx, crm.EventFilter{Q: "brasserie"})
	require.NoError(t, err)
	assert.Positive(t, onCommon, "events are found by their name")

	users, _, err := svc.ListUsers(ctx, crm.UserFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	role := map[int64]crm.Role{}
	for _, u := range users {
		role[u.ID] = u.Role
	}
	cs, _, err := svc.ListClients(ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	client := map[int64]*crm.Client{}
	for _, c := range cs {
		client[c.ID] = c
		require.NotNil(t, c.SalesContactID)
		assert.Equal(t, crm.RoleSales, role[*c.SalesContactID], "client %d's sales contact is in sales", c.ID)
	}
	ks, _, err := svc.ListContracts(ctx, crm.ContractFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
	require.NoError(t, err)
	contract := map[int64]*crm.Contract{}
	for _, k := range ks {
		contract[k.ID] = k
		assert.Equal(t, *client[k.ClientID].SalesContactID, *k.SalesContactID, "contract %d has its client's sales contact", k.ID)
		assert.LessOrEqual(t, k.AmountDue, k.Amount)
		assert.Equal(t, k.Status == crm.ContractSigned, client[k.ClientID].Status == crm.ClientExisting)
	}
	cursor := ""
	seen := 0
	for {
		es, next, err := svc.ListEvents(ctx, crm.EventFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Cursor: cursor}})
		require.NoError(t, err)
		for _, e := range es {
			seen++
			k := contract[e.ContractID]
			require.NotNil(t, k, "event %d's contract", e.ID)
			assert.Equal(t, crm.ContractSigned, k.Status, "event %d is on a signed contract", e.ID)
			assert.Equal(t, k.ClientID, e.ClientID)
			if e.SupportContactID != nil {
				assert.Equal(t, crm.RoleSupport, role[*e.SupportContactID], "event %d's support contact is in support", e.ID)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Equal(t, events, seen)
}

// mustUser returns the user named username.
func mustUser(t *testing.T, app *epiccrm.App, username string) *crm.User {
	t.Helper()
	u, err := app.Store().Deps().Users.FindUserByUsername(context.Background(), username)
	require.NoError(t, err)
	return u
}

// TestBulkLoadCancelledLeavesNothing cancels a bulk load half-way, on each store: nothing of it
// stays, and the search index is whole again (the next load's rows are found).
func TestBulkLoadCancelledLeavesNothing(t *testing.T) {
	for _, k := range []struct {
		name string
		url  func(t *testing.T) string
	}{{"sqlite", sqliteURL}, {"postgres", func(t *testing.T) string { return pgtest.EmptyURL(t) }}} {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			url := k.url(t)
			app, err := openCRM(ctx, url, true, epiccrm.Config{})
			require.NoError(t, err)
			defer app.Close()
			team, err := ensureTeam(ctx, app.Service, app.Store().Deps().Users, false)
			require.NoError(t, err)
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			err = epiccrm.BulkLoad(cctx, app.Store(), bulkData(team, 30_000, 0, time.Now()), false, func(p epiccrm.BulkProgress) {
				if p.Done >= 10_000 {
					cancel()
				}
			})
			require.ErrorIs(t, err, context.Canceled, "the load reports its cancellation")
			if k.name == "postgres" {
				// The load has returned: its rollback is over, so no other session holds a lock
				// on the loaded tables (the dropped search indexes took exclusive ones).
				conn, err := pgx.Connect(ctx, url)
				require.NoError(t, err)
				defer conn.Close(ctx)
				var locks int
				require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation
					WHERE r.relname = ANY($1) AND l.pid <> pg_backend_pid()`, []string{"clients", "contracts", "events"}).Scan(&locks))
				assert.Zero(t, locks, "the cancelled load's rollback is over when it returns")
			}
			asAda := crm.NewContext(ctx, mustUser(t, app, "ada"))
			n, err := app.Service.CountClients(asAda, crm.ClientFilter{})
			require.NoError(t, err, "the cancelled load's locks are released")
			assert.Zero(t, n, "a cancelled load leaves no row")

			require.NoError(t, epiccrm.BulkLoad(ctx, app.Store(), bulkData(team, 20, 0, time.Now()), false, nil))
			found, _, err := app.Service.ListClients(asAda, crm.ClientFilter{Q: bulkRareWord})
			require.NoError(t, err)
			assert.Len(t, found, 2)
			c, err := app.Service.CreateClient(crm.NewContext(ctx, mustUser(t, app, "sam")), crm.ClientInput{FirstName: crm.Some("Ysé"),
				LastName: crm.Some("Trouvable"), Email: crm.Some("yse@after.example")})
			require.NoError(t, err)
			found, _, err = app.Service.ListClients(asAda, crm.ClientFilter{Q: "trouvable"})
			require.NoError(t, err)
			require.Len(t, found, 1, "the search index keeps up with new rows: its triggers are back")
			assert.Equal(t, c.ID, found[0].ID)
		})
	}
}

// cancelOn is a progress writer that cancels a load once its output holds a given text.
type cancelOn struct {
	text   string
	cancel context.CancelFunc
	out    strings.Builder
}

func (w *cancelOn) Write(b []byte) (int, error) {
	w.out.Write(b)
	if strings.Contains(w.out.String(), w.text) {
		w.cancel()
	}
	return len(b), nil
}

// TestBulkDemoInterrupted interrupts demo --clients once the clients are written: the command
// says the load was interrupted and kept nothing (not an internal error), and no record stays.
func TestBulkDemoInterrupted(t *testing.T) {
	ctx := context.Background()
	app, err := openCRM(ctx, sqliteURL(t), true, epiccrm.Config{})
	require.NoError(t, err)
	defer app.Close()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &cancelOn{text: "loaded clients: 3000 rows", cancel: cancel}
	bar := newProgress(w, false)
	bar.verb = "loaded"
	var out strings.Builder
	err = loadBulkDemo(cctx, app, 3000, 3000, false, &out, bar)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the load was interrupted before its end")
	assert.Contains(t, err.Error(), "nothing of it was kept")
	assert.Empty(t, out.String(), "no summary of a load that did not happen")
	n, err := app.Service.CountClients(crm.NewContext(ctx, mustUser(t, app, "ada")), crm.ClientFilter{})
	require.NoError(t, err)
	assert.Zero(t, n)
}
