-- Back to a primary key of the id alone, and to trigram indexes with a pending list.
ALTER INDEX clients_search_trgm_idx RESET (fastupdate);
ALTER INDEX users_search_trgm_idx RESET (fastupdate);
ALTER INDEX events_search_trgm_idx RESET (fastupdate);
ALTER TABLE contracts DROP CONSTRAINT contracts_client_id_fkey;
ALTER TABLE clients DROP CONSTRAINT clients_pkey;
ALTER TABLE clients ADD CONSTRAINT clients_pkey PRIMARY KEY (id);
ALTER TABLE contracts ADD CONSTRAINT contracts_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE RESTRICT;
