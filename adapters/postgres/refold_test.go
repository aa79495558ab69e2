package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm/storetest"
)

// Rows written before the search migration (no folded columns) are folded by migrating up, in
// batches, and then found by a search.
func TestMigrateUpFoldsExistingRows(t *testing.T) {
	ctx := context.Background()
	s := pgtest.New(t)
	db := s.Pool()
	_, err := db.Exec(ctx, `INSERT INTO clients (first_name, last_name, email, company, date_created, date_updated)
		SELECT 'Client', 'N' || i, 'c' || i || '@x.test', 'Acme', now(), now() FROM generate_series(1, 600) i`)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `WITH c AS (INSERT INTO clients (first_name, last_name, email, company, date_created, date_updated)
			VALUES ('Amélie', 'Durand', 'a@x.test', 'Crêperie', now(), now()) RETURNING id),
		k AS (INSERT INTO contracts (client_id, amount, amount_due, date_created, date_updated)
			SELECT id, 100, 0, now(), now() FROM c RETURNING id)
		INSERT INTO events (name, contract_id, event_date, location, date_created, date_updated)
		SELECT 'Fête', id, now(), 'Orléans', now(), now() FROM k`)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `INSERT INTO users (username, email, email_key, first_name, last_name, role, date_joined, password_hash)
		VALUES ('helene', 'h@x.test', 'h@x.test', 'Hélène', 'Géraud', 'sales', now(), 'h')`)
	require.NoError(t, err)

	require.NoError(t, s.MigrateUp(ctx))
	var unfolded int
	require.NoError(t, db.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients WHERE search_text IS NULL)
		+ (SELECT count(*) FROM users WHERE search_text IS NULL) + (SELECT count(*) FROM events WHERE search_text IS NULL)`).
		Scan(&unfolded))
	assert.Zero(t, unfolded)
	n, err := s.RefoldSearch(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "folding again finds nothing to do")

	storetest.SearchFindsRefoldedRows(t, s)
}
