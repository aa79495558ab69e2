package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// batchSize bounds the ids of one IN (...) list, well below the parameter limits of both
// databases; a longer list of ids is read in several queries.
const batchSize = crm.MaxLimit

// findMany returns the records of l among ids that are within vis, in id order: one query per
// batchSize ids, through the same read scope (where.visible) as a list. Duplicate ids are read
// once; ids of no record, or of one outside vis, are left out.
func findMany[T any](ctx context.Context, s *Store, l listing[T], ids []int64, vis crm.Visibility) ([]T, error) {
	ids = uniqueIDs(ids)
	if len(ids) == 0 || vis.None() {
		return nil, nil
	}
	var out []T
	for chunk := range slices.Chunk(ids, batchSize) {
		w := where{each: s.d.SupportEach}
		w.visible(vis, l.table.scope)
		w.in(l.table.id, chunk)
		rows, err := s.query(ctx, s.db, "SELECT "+l.cols+" FROM "+l.table.from+w.sql()+" ORDER BY "+l.table.id, w.args...)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		for rows.Next() {
			x, err := l.scan(rows)
			if err != nil {
				rows.Close()
				return nil, s.fail(err, nil)
			}
			out = append(out, x)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.fail(err, nil)
		}
	}
	return out, nil
}

// uniqueIDs returns the ids sorted, each once.
func uniqueIDs(ids []int64) []int64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// in adds "col IN (ids)", one parameter per id; ids must not be empty.
func (w *where) in(col string, ids []int64) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	w.add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", args...)
}

// FindUsers returns the users among ids that are within vis, in id order.
func (s *Store) FindUsers(ctx context.Context, ids []int64, vis crm.Visibility) ([]*crm.User, error) {
	return findMany(ctx, s, userListing, ids, vis)
}

// FindClients returns the clients among ids that are within vis, in id order.
func (s *Store) FindClients(ctx context.Context, ids []int64, vis crm.Visibility) ([]*crm.Client, error) {
	return findMany(ctx, s, clientListing, ids, vis)
}

// FindContracts returns the contracts among ids that are within vis, in id order.
func (s *Store) FindContracts(ctx context.Context, ids []int64, vis crm.Visibility) ([]*crm.Contract, error) {
	return findMany(ctx, s, contractListing, ids, vis)
}

// FindEvents returns the events among ids that are within vis, in id order.
func (s *Store) FindEvents(ctx context.Context, ids []int64, vis crm.Visibility) ([]*crm.Event, error) {
	return findMany(ctx, s, eventListing, ids, vis)
}

// FindContacts returns the users among ids who are the sales or support contact of a client,
// contract or event within acc (each resource's records within its own Visibility), in id
// order: one query per batchSize ids.
func (s *Store) FindContacts(ctx context.Context, ids []int64, acc crm.Access) ([]*crm.User, error) {
	ids = uniqueIDs(ids)
	var out []*crm.User
	for chunk := range slices.Chunk(ids, batchSize) {
		w := where{}
		w.in("u.id", chunk)
		if !w.contactOf("u.id", acc) {
			return nil, nil
		}
		rows, err := s.query(ctx, s.db, "SELECT "+userCols+" FROM "+usersTable.from+w.sql()+" ORDER BY u.id", w.args...)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, s.fail(err, nil)
			}
			out = append(out, u)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.fail(err, nil)
		}
	}
	return out, nil
}
