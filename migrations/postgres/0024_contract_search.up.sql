-- The contracts searched by their client (q) read an index of their own. A contract keeps a
-- copy of its client's search text (search_text: the folded names, email and company), written
-- with the contract and rewritten, by the trigger clients_contracts_search, in the transaction
-- that changes the client's; trigram GIN indexes serve it as they serve the clients' (0007,
-- 0020): the text, and the "<sales contact>:<trigram>" keys of a salesperson's search.
--
-- Before, such a search met the contracts with their clients' matches: a support user with
-- half of the contracts walked 5,000 of them, probing each one's client, for a page of a common
-- word (5-5.5 ms; the first five runs on a connection, planned for their values, 175-230 ms).
-- The store still checks that the caller may read each matching contract's client (sqlstore's
-- where.clientText): the copy is the client's data.
--
-- A client whose search text changes has its contracts' rows updated: sqlstore's UpdateContract
-- locks the client before the contract, the same order, so that the two cannot deadlock.
-- About a minute per million contracts, under a lock that blocks writes to contracts.
CREATE FUNCTION clients_contracts_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contracts SET search_text = NEW.search_text WHERE client_id = NEW.id;
    RETURN NULL;
END $$;

ALTER TABLE contracts ADD COLUMN search_text text;
-- As 0017 for the other search texts: a histogram large enough to tell a common word from a rare
-- one (at the next ANALYZE).
ALTER TABLE contracts ALTER COLUMN search_text SET STATISTICS 1000;
UPDATE contracts k SET search_text = c.search_text FROM clients c WHERE c.id = k.client_id;
CREATE INDEX contracts_search_trgm_idx ON contracts USING gin (search_text gin_trgm_ops) WITH (fastupdate = off);
-- A search in id order (management's, and the window of a scoped one) passes over thousands of
-- contracts for each page: it reads their ids and copies in this index alone (an index-only
-- scan), then the page's rows, as the clients' key does (0018; sqlstore's table.searchKey).
CREATE INDEX contracts_search_key_idx ON contracts (id) INCLUDE (search_text, sales_contact_id);
CREATE INDEX contracts_owner_trgm_idx ON contracts USING gin (owner_trigrams(sales_contact_id, search_text))
    WITH (fastupdate = off);
CREATE TRIGGER clients_contracts_search AFTER UPDATE OF search_text ON clients FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION clients_contracts_search();
