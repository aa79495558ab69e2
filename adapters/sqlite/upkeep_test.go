package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// createClients creates n clients named Upkeep<i>, each in a transaction of its own (so each
// adds a segment to the search index), and returns them.
func createClients(t *testing.T, s *sqlite.Store, n int) []*crm.Client {
	t.Helper()
	var out []*crm.Client
	for i := range n {
		c := &crm.Client{FirstName: "Upkeep", LastName: fmt.Sprintf("Upkeep%d", i), Email: fmt.Sprintf("u%d@x.test", i),
			Company: "Brasserie du Port", Status: crm.ClientPotential, DateCreated: time.Now(), DateUpdated: time.Now()}
		require.NoError(t, s.CreateClient(context.Background(), c, nil))
		out = append(out, c)
	}
	return out
}

// searchIDs returns the ids of the clients a search for q finds, as management.
func searchIDs(t *testing.T, s *sqlite.Store, q string) []int64 {
	t.Helper()
	got, _, err := s.ListClients(context.Background(), crm.ClientFilter{Q: q, ListOptions: crm.ListOptions{Limit: crm.MaxLimit}}, crm.FullAccess)
	require.NoError(t, err)
	var ids []int64
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	return ids
}

// An update that leaves a client's search text as it was (a new phone number) writes nothing
// to the search index; one that changes it replaces the client's entry.
func TestUpdateKeepsSearchIndexWhenTextUnchanged(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	_, writer := s.Pools()
	c := createClients(t, s, 1)[0]
	indexRows := func() (n int) {
		require.NoError(t, writer.QueryRow("SELECT count(*) FROM clients_fts_data").Scan(&n))
		return n
	}
	before := indexRows()
	_, err := s.UpdateClient(ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Phone = "+33 1 23 45 67 89"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, before, indexRows(), "a new phone number writes nothing to the search index")

	_, err = s.UpdateClient(ctx, c.ID, crm.EveryWrite, func(c *crm.Client) ([]crm.AuditEntry, error) {
		c.Company = "Crêperie Zéphyrine"
		return nil, nil
	})
	require.NoError(t, err)
	assert.Greater(t, indexRows(), before, "a new company is indexed")
	assert.Equal(t, []int64{c.ID}, searchIDs(t, s, "zephyrine"))
	assert.Empty(t, searchIDs(t, s, "brasserie"), "the old company is no longer found")
}

// A search index holding more segments than the upkeep allows is merged into one, in steps,
// and finds the same records afterwards; one holding few enough is left alone.
func TestUpkeepMergesSearchIndex(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	s.SetUpkeep(time.Hour, time.Hour, 2, time.Hour, 1)
	created := createClients(t, s, 40)
	segments, err := s.SearchSegments(ctx, "clients_fts")
	require.NoError(t, err)
	require.Greater(t, segments, 2, "40 transactions leave several segments")
	want := searchIDs(t, s, "brasserie")
	require.Len(t, want, len(created))

	held, steps, err := s.MergeSearchIndex(ctx, "clients_fts")
	require.NoError(t, err)
	assert.Equal(t, segments, held)
	assert.Greater(t, steps, 1, "a step of one page leaves work for the next")
	after, err := s.SearchSegments(ctx, "clients_fts")
	require.NoError(t, err)
	assert.Equal(t, 1, after)
	assert.Equal(t, want, searchIDs(t, s, "brasserie"))
	assert.Equal(t, []int64{created[17].ID}, searchIDs(t, s, "upkeep17"))

	_, steps, err = s.MergeSearchIndex(ctx, "clients_fts")
	require.NoError(t, err)
	assert.Zero(t, steps, "one segment is left alone")
}

// metric returns the value of the metric name among the store's metrics.
func metric(t *testing.T, s *sqlite.Store, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(s.Collector()))
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// Upkeep merges in the background, says so in /metrics while it merges, logs each merge,
// reports a failure and tries again at its next look, and returns when its context ends.
func TestUpkeepRunsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := sqlitetest.New(t)
	s.SetUpkeep(time.Millisecond, 20*time.Millisecond, 2, time.Hour, 1)
	createClients(t, s, 40)
	assert.Zero(t, metric(t, s, "epiccrm_search_index_looks_total"))
	var logs syncbuf.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Upkeep(ctx, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	require.Eventually(t, func() bool { return metric(t, s, "epiccrm_search_index_merging") == 1 },
		10*time.Second, time.Millisecond, "a merge of one page a step takes many steps")
	require.Eventually(t, func() bool {
		n, err := s.SearchSegments(context.Background(), "clients_fts")
		return err == nil && n == 1 && metric(t, s, "epiccrm_search_index_merging") == 0
	}, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return metric(t, s, "epiccrm_search_index_looks_total") >= 1 },
		5*time.Second, 10*time.Millisecond)
	assert.GreaterOrEqual(t, metric(t, s, "epiccrm_search_index_merges_total"), 1.0)
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("index=clients_fts")) },
		5*time.Second, 10*time.Millisecond)
	assert.Contains(t, logs.String(), "search index merged into one segment")

	// Within the gap (an hour here) an index split again is not merged again.
	merges := metric(t, s, "epiccrm_search_index_merges_total")
	createClients(t, s, 40)
	looks := metric(t, s, "epiccrm_search_index_looks_total")
	require.Eventually(t, func() bool { return metric(t, s, "epiccrm_search_index_looks_total") >= looks+3 },
		5*time.Second, 10*time.Millisecond)
	split, err := s.SearchSegments(context.Background(), "clients_fts")
	require.NoError(t, err)
	assert.Greater(t, split, 2, "the new segments are left as they are")
	assert.Equal(t, merges, metric(t, s, "epiccrm_search_index_merges_total"))

	_, writer := s.Pools()
	_, err = writer.Exec("ALTER TABLE users_fts_idx RENAME TO users_fts_idx_gone")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("search index upkeep failed")) },
		5*time.Second, 10*time.Millisecond)
	assert.Contains(t, logs.String(), "users_fts")
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Upkeep did not return when its context ended")
	}
}
