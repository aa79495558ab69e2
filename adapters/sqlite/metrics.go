package sqlite

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Collector returns a Prometheus collector of the read pool's statistics (writes go through one
// connection of their own), as the epiccrm_db_* metrics of /metrics.
func (s *Store) Collector() prometheus.Collector {
	return sqlstore.PoolCollector(func() sqlstore.PoolStats {
		st := s.reader.Stats()
		return sqlstore.PoolStats{Open: int64(st.OpenConnections), InUse: int64(st.InUse), Idle: int64(st.Idle),
			Max: int64(st.MaxOpenConnections), Waits: st.WaitCount, WaitTime: st.WaitDuration}
	})
}
