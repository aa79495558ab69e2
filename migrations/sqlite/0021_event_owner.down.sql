-- Back to 0018's index of the events' search text alone.
DROP TRIGGER contracts_events_fts_owner;
DROP TRIGGER events_fts_insert;
DROP TRIGGER events_fts_update;
DROP TRIGGER events_fts_delete;
DROP TABLE events_fts;
DROP VIEW events_owned;
CREATE VIRTUAL TABLE events_fts USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1);
INSERT INTO events_fts (rowid, search_text) SELECT id, search_text FROM events WHERE search_text IS NOT NULL ORDER BY id;
INSERT INTO events_fts (events_fts) VALUES ('optimize');

CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO events_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER events_fts_update AFTER UPDATE OF search_text ON events
    WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
    INSERT INTO events_fts (rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
END;
