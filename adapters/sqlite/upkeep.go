package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// The search indexes are FTS5 tables (migration 0007), and FTS5 writes the entries of each
// write transaction as a new segment of the index. It merges segments as they pile up, but an
// index that starts as one large segment (a bulk load, an import) draws that segment into a
// merge that advances a little at each later write, and meanwhile every search reads through
// all the segments: measured on 1M clients, 5,000 single-row writes left 27 segments, and a
// search for a rare word went from 0.05 ms to 0.42 ms, a common one from 0.19 ms to 0.56 ms
// (docs/performance.md, "SQLite: searches after writes"). So the store merges each index back
// into one segment in the background (Upkeep) when it holds more than maxSegments, in small
// steps on the writer connection, resting between them as long as each step took, so that
// writes wait at most one step and the merge takes at most half of one core: 10 s for the
// index of 1M clients.

// searchIndexes are the FTS5 tables Upkeep keeps merged.
var searchIndexes = []string{"clients_fts", "users_fts", "events_fts"}

// upkeep is how Upkeep paces its work; defaultUpkeep is the store's.
type upkeep struct {
	// first is the wait before the first look at the indexes, every the wait between looks.
	first, every time.Duration
	// maxSegments is the most segments an index may hold before it is merged.
	maxSegments int
	// gap is the least time from the end of an index's merge to the start of its next: a
	// merge rewrites the whole index (about 5 s of CPU for a million clients), so an index
	// written to all the time is merged at most this often.
	gap time.Duration
	// stepPages is how many pages of the index one step merges (about 20 ms).
	stepPages int
	// rest is the pause after a step, as a multiple of the step's own duration.
	rest int
}

var defaultUpkeep = upkeep{first: time.Second, every: time.Minute, maxSegments: 4,
	gap: 10 * time.Minute, stepPages: 100, rest: 1}

// upkeepStats is what Upkeep has done, for /metrics (see Collector).
type upkeepStats struct {
	// looks counts the looks at the indexes, merges the indexes merged.
	looks, merges atomic.Int64
	// merging is set while an index is being merged.
	merging atomic.Bool
}

// Upkeep merges the search indexes in the background until ctx ends, logging each merge on log
// (and any failure, retried at the next look). The App runs it while it is open.
func (s *Store) Upkeep(ctx context.Context, log *slog.Logger) {
	u := s.upkeep
	merged := map[string]time.Time{}
	wait := u.first
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = u.every
		for _, index := range searchIndexes {
			if last, ok := merged[index]; ok && time.Since(last) < u.gap {
				continue
			}
			start := time.Now()
			before, steps, err := s.mergeSearchIndex(ctx, index)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				log.Error("search index upkeep failed; it tries again at its next look",
					"index", index, "error", err.Error())
			case steps > 0:
				s.upkept.merges.Add(1)
				merged[index] = time.Now()
				log.Info("search index merged into one segment", "index", index, "segments", before,
					"steps", steps, "took", time.Since(start).Round(time.Millisecond).String())
			}
		}
		s.upkept.looks.Add(1)
	}
}

// mergeSearchIndex merges index into one segment when it holds more than the upkeep's
// maxSegments, one step at a time, until a step finds no work left. It returns the segments
// the index held and the steps taken (none when it held few enough).
func (s *Store) mergeSearchIndex(ctx context.Context, index string) (segments, steps int, err error) {
	if segments, err = s.searchSegments(ctx, index); err != nil || segments <= s.upkeep.maxSegments {
		return segments, 0, err
	}
	s.upkept.merging.Store(true)
	defer s.upkept.merging.Store(false)
	for {
		start := time.Now()
		done, err := s.mergeStep(ctx, index)
		if err != nil {
			return segments, steps, err
		}
		steps++
		if done {
			return segments, steps, nil
		}
		select {
		case <-ctx.Done():
			return segments, steps, ctx.Err()
		case <-time.After(time.Duration(s.upkeep.rest) * time.Since(start)):
		}
	}
}

// searchSegments returns how many segments index holds.
func (s *Store) searchSegments(ctx context.Context, index string) (int, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, "SELECT count(DISTINCT segid) FROM "+index+"_idx").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting the segments of the search index %s: %w", index, err)
	}
	return n, nil
}

// mergeStep merges up to the upkeep's stepPages pages of index towards a single segment (FTS5's
// 'merge' command with a negative count), and reports whether no work was left: FTS5 then
// changes fewer than two rows.
func (s *Store) mergeStep(ctx context.Context, index string) (done bool, err error) {
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("merging the search index %s: %w", index, err)
	}
	defer func() { _ = c.Close() }()
	var before, after int64
	if err := c.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return false, fmt.Errorf("merging the search index %s: %w", index, err)
	}
	_, err = c.ExecContext(ctx, "INSERT INTO "+index+" ("+index+", rank) VALUES ('merge', ?)", -s.upkeep.stepPages)
	s.health.record(err)
	if err != nil {
		return false, fmt.Errorf("merging the search index %s: %w", index, err)
	}
	if err := c.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
		return false, fmt.Errorf("merging the search index %s: %w", index, err)
	}
	return after-before < 2, nil
}
