package sqlstore_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// gather returns the value of each metric a collector reports, by name.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		m := f.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			out[f.GetName()] = g.GetValue()
		} else {
			out[f.GetName()] = m.GetCounter().GetValue()
		}
	}
	return out
}

// TestPoolCollector checks that the pool statistics become the epiccrm_db_* metrics, read at
// each scrape.
func TestPoolCollector(t *testing.T) {
	st := sqlstore.PoolStats{Open: 3, InUse: 1, Idle: 2, Max: 8, Waits: 5, WaitTime: 1500 * time.Millisecond}
	c := sqlstore.PoolCollector(func() sqlstore.PoolStats { return st })
	assert.Equal(t, map[string]float64{
		"epiccrm_db_connections_open": 3, "epiccrm_db_connections_in_use": 1, "epiccrm_db_connections_idle": 2,
		"epiccrm_db_connections_max": 8, "epiccrm_db_wait_total": 5, "epiccrm_db_wait_seconds_total": 1.5,
	}, gather(t, c))
}
