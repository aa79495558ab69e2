DROP TRIGGER events_fts_delete;
DROP TRIGGER events_fts_update;
DROP TRIGGER events_fts_insert;
DROP TABLE events_fts;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;
DROP TRIGGER users_fts_insert;
DROP TABLE users_fts;
DROP TRIGGER clients_fts_delete;
DROP TRIGGER clients_fts_update;
DROP TRIGGER clients_fts_insert;
DROP TABLE clients_fts;

DROP INDEX events_unfolded_idx;
ALTER TABLE events DROP COLUMN search_text;

DROP INDEX users_unfolded_idx;
ALTER TABLE users DROP COLUMN search_text;
ALTER TABLE users DROP COLUMN last_name_fold;
ALTER TABLE users DROP COLUMN first_name_fold;
ALTER TABLE users DROP COLUMN email_fold;
ALTER TABLE users DROP COLUMN username_fold;

DROP INDEX clients_unfolded_idx;
ALTER TABLE clients DROP COLUMN search_text;
ALTER TABLE clients DROP COLUMN company_fold;
ALTER TABLE clients DROP COLUMN email_fold;
ALTER TABLE clients DROP COLUMN last_name_fold;
ALTER TABLE clients DROP COLUMN first_name_fold;
