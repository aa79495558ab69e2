package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool returns the store's connection pool, for tests that write rows the store would not.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
