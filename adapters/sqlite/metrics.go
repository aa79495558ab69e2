package sqlite

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Collector returns a Prometheus collector of the read pool's statistics (writes go through one
// connection of their own), as the epiccrm_db_* metrics of /metrics, and of the upkeep of the
// search indexes (Upkeep), as the epiccrm_search_index_* metrics.
func (s *Store) Collector() prometheus.Collector {
	return collectors{
		sqlstore.PoolCollector(func() sqlstore.PoolStats {
			st := s.reader.Stats()
			return sqlstore.PoolStats{Open: int64(st.OpenConnections), InUse: int64(st.InUse), Idle: int64(st.Idle),
				Max: int64(st.MaxOpenConnections), Waits: st.WaitCount, WaitTime: st.WaitDuration}
		}),
		upkeepCollector{&s.upkept},
	}
}

// collectors is several collectors as one.
type collectors []prometheus.Collector

// Describe implements prometheus.Collector.
func (cs collectors) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range cs {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (cs collectors) Collect(ch chan<- prometheus.Metric) {
	for _, c := range cs {
		c.Collect(ch)
	}
}

var (
	descLooks = prometheus.NewDesc("epiccrm_search_index_looks_total",
		"Times the upkeep looked at the segments of the search indexes.", nil, nil)
	descMerges = prometheus.NewDesc("epiccrm_search_index_merges_total",
		"Search indexes the upkeep merged back into one segment.", nil, nil)
	descMerging = prometheus.NewDesc("epiccrm_search_index_merging",
		"1 while the upkeep merges a search index (searches read more meanwhile), else 0.", nil, nil)
)

// upkeepCollector reports what Upkeep has done.
type upkeepCollector struct{ st *upkeepStats }

// Describe implements prometheus.Collector.
func (c upkeepCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLooks
	ch <- descMerges
	ch <- descMerging
}

// Collect implements prometheus.Collector.
func (c upkeepCollector) Collect(ch chan<- prometheus.Metric) {
	merging := 0.0
	if c.st.merging.Load() {
		merging = 1
	}
	ch <- prometheus.MustNewConstMetric(descLooks, prometheus.CounterValue, float64(c.st.looks.Load()))
	ch <- prometheus.MustNewConstMetric(descMerges, prometheus.CounterValue, float64(c.st.merges.Load()))
	ch <- prometheus.MustNewConstMetric(descMerging, prometheus.GaugeValue, merging)
}
