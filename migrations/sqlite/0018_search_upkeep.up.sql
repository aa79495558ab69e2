-- An update that leaves a row's search text as it was (a new phone number, status or sales
-- contact) no longer rewrites the row's entry in the FTS5 index. The store writes search_text
-- on every update, and the triggers of 0007 then deleted and re-inserted the entry each time:
-- each such pair leaves a tombstone in the index and a new segment, which every later search
-- reads through until FTS5 merges them (docs/performance.md, "SQLite: searches after writes").
DROP TRIGGER clients_fts_update;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_text ON clients
    WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
    INSERT INTO clients_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;

DROP TRIGGER users_fts_update;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users
    WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;

DROP TRIGGER events_fts_update;
CREATE TRIGGER events_fts_update AFTER UPDATE OF search_text ON events
    WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
    INSERT INTO events_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
