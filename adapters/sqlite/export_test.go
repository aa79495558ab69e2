package sqlite

import (
	"context"
	"database/sql"
	"time"

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
	s.Store = sqlstore.New(&pool{read: s.reader, reads: s.reads, write: s.writer, health: s.health}, d)
}

// SetSearchWindow makes the store's searches that no FTS5 table drives read window rows in id
// order before they gather the rest, instead of Dialect's searchWindow, and gives a window to
// every search by another table's records that matches some, so that tests with a few rows
// take both steps.
func (s *Store) SetSearchWindow(window int64) {
	d := Dialect
	d.SearchWindow, d.WalkRelatedFrom = window, 1
	s.Store = sqlstore.New(&pool{read: s.reader, reads: s.reads, write: s.writer, health: s.health}, d)
}

// SetUpkeep makes Upkeep look at the search indexes after first and then every every, merging
// an index holding more than maxSegments at most once per gap, in steps of stepPages pages.
func (s *Store) SetUpkeep(first, every time.Duration, maxSegments int, gap time.Duration, stepPages int) {
	s.upkeep = upkeep{first: first, every: every, maxSegments: maxSegments, gap: gap, stepPages: stepPages, rest: 1}
}

// SearchSegments returns how many segments the FTS5 table index holds.
func (s *Store) SearchSegments(ctx context.Context, index string) (int, error) {
	return s.searchSegments(ctx, index)
}

// MergeSearchIndex runs one merge of index as Upkeep does, returning the segments it held and
// the steps taken.
func (s *Store) MergeSearchIndex(ctx context.Context, index string) (segments, steps int, err error) {
	return s.mergeSearchIndex(ctx, index)
}
