package sqlstore

import "context"

// count returns how many rows of l.table match w: the length of the whole list that list pages
// through with the same condition, whatever the page size, sort and cursor.
func count[T any](ctx context.Context, s *Store, l listing[T], w *where) (int, error) {
	var n int64
	if err := s.queryRow(ctx, s.db, "SELECT COUNT(*) FROM "+l.table.from+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, s.fail(err, nil)
	}
	return int(n), nil
}
