-- Back to 0007's triggers, which rewrite a row's FTS5 entry on every update of search_text.
DROP TRIGGER clients_fts_update;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_text ON clients BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
    INSERT INTO clients_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;

DROP TRIGGER users_fts_update;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;

DROP TRIGGER events_fts_update;
CREATE TRIGGER events_fts_update AFTER UPDATE OF search_text ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
    INSERT INTO events_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
