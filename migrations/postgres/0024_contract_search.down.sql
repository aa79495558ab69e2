-- Back to 0023: the contracts searched by their client read the clients' index.
DROP TRIGGER clients_contracts_search ON clients;
DROP FUNCTION clients_contracts_search();
DROP INDEX contracts_owner_trgm_idx;
DROP INDEX contracts_search_key_idx;
DROP INDEX contracts_search_trgm_idx;
ALTER TABLE contracts DROP COLUMN search_text;
