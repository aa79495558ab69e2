-- Back to a trigram index of the search text alone. btree_gin stays: other schemas of the
-- database may use it.
DROP INDEX clients_search_trgm_idx;
CREATE INDEX clients_search_trgm_idx ON clients USING gin (search_text gin_trgm_ops) WITH (fastupdate = off);
