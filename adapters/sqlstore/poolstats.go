package sqlstore

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats are the statistics of a store's connection pool, as /metrics reports them.
type PoolStats struct {
	Open, InUse, Idle int64
	// Max is the largest number of connections the pool opens (0: unlimited).
	Max int64
	// Waits counts the times a query waited for a free connection, for WaitTime in all.
	Waits    int64
	WaitTime time.Duration
}

// PoolCollector returns a Prometheus collector of the pool statistics stats reads at each
// scrape, as the epiccrm_db_* metrics. The stores give it to the metrics through their
// Collector method, so that the API needs to know neither driver.
func PoolCollector(stats func() PoolStats) prometheus.Collector {
	return poolCollector{stats: stats}
}

// poolDesc describes one pool metric.
func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("epiccrm_db_"+name, help, nil, nil)
}

var (
	descOpen     = poolDesc("connections_open", "Open database connections.")
	descInUse    = poolDesc("connections_in_use", "Database connections in use.")
	descIdle     = poolDesc("connections_idle", "Idle database connections.")
	descMax      = poolDesc("connections_max", "Maximum number of database connections (0: unlimited).")
	descWaits    = poolDesc("wait_total", "Times a request waited for a database connection.")
	descWaitSecs = poolDesc("wait_seconds_total", "Time spent waiting for a database connection.")
)

// poolCollector reports the statistics of a connection pool.
type poolCollector struct{ stats func() PoolStats }

// Describe implements prometheus.Collector.
func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descMax, descWaits, descWaitSecs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.Open))
	ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.Max))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.Waits))
	ch <- prometheus.MustNewConstMetric(descWaitSecs, prometheus.CounterValue, s.WaitTime.Seconds())
}
