package sqlite

import "database/sql"

// Pools returns the store's read pool and writer, for tests that inspect their connections.
func (s *Store) Pools() (reader, writer *sql.DB) { return s.reader, s.writer }
