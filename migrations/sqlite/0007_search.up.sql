-- Search (see crm.FoldSearch): the application keeps, for every client, user and event, the
-- folded (case- and accent-free) form of each searched field and their search text, written in
-- the same transaction as the row. Rows written before this migration have NULL there until the
-- store's post-migration step (Store.RefoldSearch) fills them in.
ALTER TABLE clients ADD COLUMN first_name_fold TEXT;
ALTER TABLE clients ADD COLUMN last_name_fold TEXT;
ALTER TABLE clients ADD COLUMN email_fold TEXT;
ALTER TABLE clients ADD COLUMN company_fold TEXT;
ALTER TABLE clients ADD COLUMN search_text TEXT;
CREATE INDEX clients_unfolded_idx ON clients (id) WHERE search_text IS NULL;

ALTER TABLE users ADD COLUMN username_fold TEXT;
ALTER TABLE users ADD COLUMN email_fold TEXT;
ALTER TABLE users ADD COLUMN first_name_fold TEXT;
ALTER TABLE users ADD COLUMN last_name_fold TEXT;
ALTER TABLE users ADD COLUMN search_text TEXT;
CREATE INDEX users_unfolded_idx ON users (id) WHERE search_text IS NULL;

ALTER TABLE events ADD COLUMN search_text TEXT;
CREATE INDEX events_unfolded_idx ON events (id) WHERE search_text IS NULL;

-- The search index of each table: an FTS5 table with the trigram tokenizer over search_text,
-- keyed by the row's id, kept in step by triggers (so in the same transaction as the row). It
-- is contentless (the text stays in the table's own column), with contentless_delete so that
-- rows can be removed from it.
CREATE VIRTUAL TABLE clients_fts USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1);
CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO clients_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_text ON clients BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
    INSERT INTO clients_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
END;

CREATE VIRTUAL TABLE users_fts USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO users_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
END;

CREATE VIRTUAL TABLE events_fts USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1);
CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO events_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER events_fts_update AFTER UPDATE OF search_text ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
    INSERT INTO events_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
END;
