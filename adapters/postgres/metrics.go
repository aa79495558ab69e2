package postgres

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Collector returns a Prometheus collector of the connection pool's statistics, as the
// epiccrm_db_* metrics of /metrics.
func (s *Store) Collector() prometheus.Collector {
	return sqlstore.PoolCollector(func() sqlstore.PoolStats {
		st := s.pool.Stat()
		return sqlstore.PoolStats{Open: int64(st.TotalConns()), InUse: int64(st.AcquiredConns()), Idle: int64(st.IdleConns()),
			Max: int64(st.MaxConns()), Waits: st.EmptyAcquireCount(), WaitTime: st.AcquireDuration()}
	})
}
