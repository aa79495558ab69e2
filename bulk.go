package epiccrm

import (
	"context"
	"fmt"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// BulkData is a generated data set to load at once into a Store (see sqlstore.BulkData).
type BulkData = sqlstore.BulkData

// BulkProgress reports how far a bulk load is (see sqlstore.BulkProgress).
type BulkProgress = sqlstore.BulkProgress

// bulkLoader is a Store that loads a generated data set its fastest way: *postgres.Store
// (COPY) and *sqlite.Store (multi-row INSERTs, the search index filled once).
type bulkLoader interface {
	BulkLoad(ctx context.Context, data sqlstore.BulkData, force bool, progress func(sqlstore.BulkProgress)) error
}

var (
	_ bulkLoader = (*sqlite.Store)(nil)
	_ bulkLoader = (*postgres.Store)(nil)
)

// BulkLoad loads data into st in one transaction: every record or none. Unless force is set,
// it refuses (ECONFLICT) to load into a database whose clients, contracts or events tables
// already have rows. progress, when not nil, is called as the load goes. A load cancelled
// through ctx returns the cancellation (errors.Is context.Canceled) once the store has rolled it
// back: the tables are then free and empty of it.
func BulkLoad(ctx context.Context, st Store, data BulkData, force bool, progress func(BulkProgress)) error {
	bl, ok := st.(bulkLoader)
	if !ok {
		return fmt.Errorf("bulk load: the store %T cannot bulk load", st)
	}
	return bl.BulkLoad(ctx, data, force, progress)
}
