-- Back to 0019's column owner: the key of the sales contact.
DROP TRIGGER clients_fts_insert;
DROP TRIGGER clients_fts_update;
DROP TRIGGER clients_fts_delete;
DROP TABLE clients_fts;
DROP VIEW clients_owned;
CREATE VIRTUAL TABLE clients_fts USING fts5(search_text, owner, tokenize = 'trigram', content = '', contentless_delete = 1);
INSERT INTO clients_fts (rowid, search_text, owner)
    SELECT id, search_text, CASE WHEN sales_contact_id IS NOT NULL THEN char(57344 + sales_contact_id % 4096,
        57344 + sales_contact_id / 4096 % 4096, 57344 + sales_contact_id / 16777216 % 4096) END
    FROM clients WHERE search_text IS NOT NULL ORDER BY id;
INSERT INTO clients_fts (clients_fts) VALUES ('optimize');

CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO clients_fts (rowid, search_text, owner) VALUES (new.id, new.search_text,
        CASE WHEN new.sales_contact_id IS NOT NULL THEN char(57344 + new.sales_contact_id % 4096,
            57344 + new.sales_contact_id / 4096 % 4096, 57344 + new.sales_contact_id / 16777216 % 4096) END);
END;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF search_text, sales_contact_id ON clients
    WHEN old.search_text IS NOT new.search_text OR old.sales_contact_id IS NOT new.sales_contact_id BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
    INSERT INTO clients_fts (rowid, search_text, owner) SELECT new.id, new.search_text,
        CASE WHEN new.sales_contact_id IS NOT NULL THEN char(57344 + new.sales_contact_id % 4096,
            57344 + new.sales_contact_id / 4096 % 4096, 57344 + new.sales_contact_id / 16777216 % 4096) END
        WHERE new.search_text IS NOT NULL;
END;
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    DELETE FROM clients_fts WHERE rowid = old.id;
END;
