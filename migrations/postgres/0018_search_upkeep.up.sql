-- A search of clients sorted by id (the q parameter as management, or within a window of ids
-- for a scope) walks the clients in id order until its page is full, and the rows it passes
-- over are most of what it reads: about 5,000 for a word in 1 % of the clients. The primary
-- key index now also holds the search text and the sales contact, so that this walk reads the
-- key alone (an index-only scan) and then the page's rows, rather than every row it passes
-- over in the table, whose rows are several times wider (docs/performance.md, "PostgreSQL: a
-- search reads the key first"). The foreign key of contracts depends on the key's index, so it
-- is dropped and added again around it. On a large table this rewrites the index under an
-- exclusive lock: seconds per million clients.
ALTER TABLE contracts DROP CONSTRAINT contracts_client_id_fkey;
ALTER TABLE clients DROP CONSTRAINT clients_pkey;
ALTER TABLE clients ADD CONSTRAINT clients_pkey PRIMARY KEY (id) INCLUDE (search_text, sales_contact_id);
ALTER TABLE contracts ADD CONSTRAINT contracts_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE RESTRICT;

-- The trigram indexes of the search text take each write's entries at once, rather than into
-- a pending list that every search then reads in full until VACUUM (or 4 MB of writes) merges
-- it: after a benchmark's 4,000 creates, the rare-word search read 418 pages of the clients'
-- list instead of 19 (0.3 -> 3.3 ms). A write now pays for its own entries.
ALTER INDEX clients_search_trgm_idx SET (fastupdate = off);
ALTER INDEX users_search_trgm_idx SET (fastupdate = off);
ALTER INDEX events_search_trgm_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('clients_search_trgm_idx'::regclass);
SELECT gin_clean_pending_list('users_search_trgm_idx'::regclass);
SELECT gin_clean_pending_list('events_search_trgm_idx'::regclass);
