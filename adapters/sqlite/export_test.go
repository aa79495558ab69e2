package sqlite

import (
	"database/sql"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Pools returns the store's read pool and writer, for tests that inspect their connections.
func (s *Store) Pools() (reader, writer *sql.DB) { return s.reader, s.writer }

// SetSupportEachFrom makes the store's pages check a support scope record by record when their
// caller is assigned at least events events, instead of Dialect's rule, so that tests with a
// few events read lists that way.
func (s *Store) SetSupportEachFrom(events int64) {
	d := Dialect
	d.SupportEachFrom = events
	s.Store = sqlstore.New(&pool{read: s.reader, write: s.writer, health: s.health}, d)
}
