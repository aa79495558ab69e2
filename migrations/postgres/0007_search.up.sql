-- Search (see crm.FoldSearch): the application keeps, for every client, user and event, the
-- folded (case- and accent-free) form of each searched field and their search text, written in
-- the same transaction as the row. Rows written before this migration have NULL there until the
-- store's post-migration step (Store.RefoldSearch) fills them in.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the owner of the database
-- may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE clients
    ADD COLUMN first_name_fold text,
    ADD COLUMN last_name_fold  text,
    ADD COLUMN email_fold      text,
    ADD COLUMN company_fold    text,
    ADD COLUMN search_text     text;
CREATE INDEX clients_unfolded_idx ON clients (id) WHERE search_text IS NULL;

ALTER TABLE users
    ADD COLUMN username_fold   text,
    ADD COLUMN email_fold      text,
    ADD COLUMN first_name_fold text,
    ADD COLUMN last_name_fold  text,
    ADD COLUMN search_text     text;
CREATE INDEX users_unfolded_idx ON users (id) WHERE search_text IS NULL;

ALTER TABLE events ADD COLUMN search_text text;
CREATE INDEX events_unfolded_idx ON events (id) WHERE search_text IS NULL;

-- The search indexes: a trigram GIN index serves LIKE '%word%' on the search text.
CREATE INDEX clients_search_trgm_idx ON clients USING gin (search_text gin_trgm_ops);
CREATE INDEX users_search_trgm_idx ON users USING gin (search_text gin_trgm_ops);
CREATE INDEX events_search_trgm_idx ON events USING gin (search_text gin_trgm_ops);
