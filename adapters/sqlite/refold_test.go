package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm/storetest"
)

// Rows written before the search migration (no folded columns) are folded by migrating up, in
// batches, and then found by a search through the FTS5 index.
func TestMigrateUpFoldsExistingRows(t *testing.T) {
	ctx := context.Background()
	s := sqlitetest.New(t)
	_, writer := s.Pools()
	const at = "2026-01-02T03:04:05.000000Z"
	_, err := writer.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
		INSERT INTO clients (first_name, last_name, email, company, date_created, date_updated)
		SELECT 'Client', 'N' || i, 'c' || i || '@x.test', 'Acme', ?, ? FROM n`, at, at)
	require.NoError(t, err)
	_, err = writer.Exec(`INSERT INTO clients (first_name, last_name, email, company, date_created, date_updated)
		VALUES ('Amélie', 'Durand', 'a@x.test', 'Crêperie', ?, ?)`, at, at)
	require.NoError(t, err)
	_, err = writer.Exec(`INSERT INTO contracts (client_id, amount, amount_due, date_created, date_updated)
		VALUES (last_insert_rowid(), 100, 0, ?, ?)`, at, at)
	require.NoError(t, err)
	_, err = writer.Exec(`INSERT INTO events (name, contract_id, event_date, location, date_created, date_updated)
		VALUES ('Fête', last_insert_rowid(), ?, 'Orléans', ?, ?)`, at, at, at)
	require.NoError(t, err)
	_, err = writer.Exec(`INSERT INTO users (username, email, email_key, first_name, last_name, role, date_joined, password_hash)
		VALUES ('helene', 'h@x.test', 'h@x.test', 'Hélène', 'Géraud', 'sales', ?, 'h')`, at)
	require.NoError(t, err)
	_, err = writer.Exec(`UPDATE clients SET search_text = NULL, first_name_fold = NULL, last_name_fold = NULL,
		email_fold = NULL, company_fold = NULL`)
	require.NoError(t, err, "the rows as the migration leaves them")

	require.NoError(t, s.MigrateUp(ctx))
	var unfolded int
	require.NoError(t, writer.QueryRow(`SELECT (SELECT count(*) FROM clients WHERE search_text IS NULL)
		+ (SELECT count(*) FROM users WHERE search_text IS NULL) + (SELECT count(*) FROM events WHERE search_text IS NULL)`).
		Scan(&unfolded))
	assert.Zero(t, unfolded)
	n, err := s.RefoldSearch(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "folding again finds nothing to do")

	storetest.SearchFindsRefoldedRows(t, s)
}
