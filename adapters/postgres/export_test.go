package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Pool returns the store's connection pool, for tests that write rows the store would not.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// ActorCacheUp reports whether the actor cache is in use (its listener is listening).
func (s *Store) ActorCacheUp() bool {
	up, _ := s.actors.isUp()
	return up
}

// ActorCacheLen returns the number of users in the actor cache.
func (s *Store) ActorCacheLen() int {
	s.actors.mu.Lock()
	defer s.actors.mu.Unlock()
	return len(s.actors.users)
}

// Unanalyzed returns the store's tables of at least minPages pages without planner statistics.
func (s *Store) Unanalyzed(ctx context.Context, minPages int64) ([]string, error) {
	return s.unanalyzed(ctx, minPages)
}

// SetSearchWindow makes the store's searches read window rows in id order before they ask the
// index for the rest, instead of Dialect's searchWindow, so that tests with a few rows take
// both steps, whatever the caller (a support user assigned few events has one too).
func (s *Store) SetSearchWindow(window int64) {
	d := Dialect
	d.SearchWindow, d.FewSupportBelow = window, 0
	s.Store = sqlstore.New(newDB(s.pool, time.Minute), d)
	s.ReserveUserReads(newDB(s.reserved, time.Minute))
}

// DB is the store's sqlstore.DB of a pool, for the tests of its slots.
type DB = db

// NewDB returns the DB of pool, whose statements wait at most acquireTimeout for a connection.
func NewDB(pool *pgxpool.Pool, acquireTimeout time.Duration) *DB { return newDB(pool, acquireTimeout) }

// SlotsTaken returns how many of d's slots are taken: its connections in use.
func (d *DB) SlotsTaken() int { return len(d.slots) }
