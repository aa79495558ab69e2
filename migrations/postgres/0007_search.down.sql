DROP INDEX events_search_trgm_idx;
DROP INDEX users_search_trgm_idx;
DROP INDEX clients_search_trgm_idx;

DROP INDEX events_unfolded_idx;
ALTER TABLE events DROP COLUMN search_text;

DROP INDEX users_unfolded_idx;
ALTER TABLE users DROP COLUMN search_text, DROP COLUMN last_name_fold, DROP COLUMN first_name_fold,
    DROP COLUMN email_fold, DROP COLUMN username_fold;

DROP INDEX clients_unfolded_idx;
ALTER TABLE clients DROP COLUMN search_text, DROP COLUMN company_fold, DROP COLUMN email_fold,
    DROP COLUMN last_name_fold, DROP COLUMN first_name_fold;

-- pg_trgm stays: other schemas of the database may use it.
