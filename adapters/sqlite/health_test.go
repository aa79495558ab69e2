package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
)

// TestPingReportsAFullDisk fills the database up to a page limit on its writer connection (as a
// full disk would): once a write fails for lack of space, Ping reports the database as not
// ready although reads still work, and it is ready again once a write can succeed.
func TestPingReportsAFullDisk(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	require.NoError(t, s.Ping(ctx))
	_, writer := s.Pools()
	var pages int
	require.NoError(t, writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages))
	_, err := writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages))
	require.NoError(t, err)

	key := strings.Repeat("k", 500)
	for i := 0; ; i++ {
		require.Less(t, i, 10000, "the writes never filled the database")
		err = reserve(ctx, s, fmt.Sprintf("%s%d", key, i))
		if err != nil {
			break
		}
	}
	assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err), "%v", err)
	_, err = s.FindUser(ctx, 1, crm.Everything)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(err), "reads still work")

	err = s.Ping(ctx)
	require.Error(t, err, "a database that cannot be written is not ready")
	assert.Contains(t, err.Error(), "cannot be written")
	require.Error(t, s.Ping(ctx), "it stays not ready while writes fail")

	_, err = writer.ExecContext(ctx, "PRAGMA max_page_count = 1073741823")
	require.NoError(t, err)
	require.NoError(t, s.Ping(ctx), "ready again once a write succeeds")
	require.NoError(t, reserve(ctx, s, "after"))
}

// reserve writes one row: a login attempt in flight under key.
func reserve(ctx context.Context, s *sqlite.Store, key string) error {
	now := time.Now()
	_, _, err := s.ReserveLoginAttempt(ctx, crm.LoginAttempt{ID: key, Keys: []crm.ThrottleKey{{Key: key, Limit: 10}},
		At: now, Since: now.Add(-time.Hour), StaleBefore: now.Add(-time.Hour)})
	return err
}
