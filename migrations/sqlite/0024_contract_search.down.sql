-- Back to 0023: the contracts searched by their client read the clients' index.
DROP TRIGGER clients_contracts_search;
DROP TRIGGER contracts_fts_insert;
DROP TRIGGER contracts_fts_update;
DROP TRIGGER contracts_fts_delete;
DROP TABLE contracts_fts;
DROP VIEW contracts_owned;
ALTER TABLE contracts DROP COLUMN search_text;
