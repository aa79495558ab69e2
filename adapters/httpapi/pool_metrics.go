package httpapi

import (
	"database/sql"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// sqlPool is a database/sql pool, or a store that exposes the statistics of its pool.
type sqlPool interface {
	Stats() sql.DBStats
}

// pgxPool is a pgx pool, or a store that exposes the statistics of its pool.
type pgxPool interface {
	Stat() *pgxpool.Stat
}

// poolCollector returns a collector of the database pool statistics of db, or nil when db
// exposes none.
func poolCollector(db Pinger) prometheus.Collector {
	switch p := db.(type) {
	case sqlPool:
		return &sqlPoolCollector{pool: p}
	case pgxPool:
		return &pgxPoolCollector{pool: p}
	}
	return nil
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

// sqlPoolCollector reports the statistics of a database/sql pool.
type sqlPoolCollector struct{ pool sqlPool }

// Describe implements prometheus.Collector.
func (c *sqlPoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descMax, descWaits, descWaitSecs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *sqlPoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stats()
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(descWaitSecs, prometheus.CounterValue, s.WaitDuration.Seconds())
}

// pgxPoolCollector reports the statistics of a pgx pool.
type pgxPoolCollector struct{ pool pgxPool }

// Describe implements prometheus.Collector.
func (c *pgxPoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descMax, descWaits, descWaitSecs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *pgxPoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(descWaitSecs, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
