-- Back to an FTS5 table of the clients' search text alone, with the triggers of 0018.
DROP TRIGGER clients_fts_insert;
DROP TRIGGER clients_fts_update;
DROP TRIGGER clients_fts_delete;
DROP TABLE clients_fts;
CREATE VIRTUAL TABLE clients_fts USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1);
INSERT INTO clients_fts (rowid, search_text) SELECT id, search_text FROM clients WHERE search_text IS NOT NULL ORDER BY id;
INSERT INTO clients_fts (clients_fts) VALUES ('optimize');
CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO clients_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_text ON clients
    WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
    INSERT INTO clients_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
END;
