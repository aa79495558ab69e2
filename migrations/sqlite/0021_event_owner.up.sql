-- A search within one salesperson's events reads only that salesperson's entries of the
-- index, as 0020 does for clients: the FTS5 table of the events indexes, beside the search
-- text, the search text written in the characters of the event's salesperson (its contract's
-- sales contact; sqlstore.OwnedText). The view events_owned is the one definition of the
-- column: the triggers and the bulk load read it. A contract that changes hands writes its
-- events' entries again (contracts_events_fts_owner).
--
-- Before, FTS5 met a common word's entries with the salesperson's contracts at every search:
-- 350 ms at 5M events for a word of which they own no event (docs/performance.md, "One
-- salesperson's events"). The column doubles the size of the events' index, which is built
-- again from the events: about 90 seconds per million events on a 2-core machine.
DROP TRIGGER events_fts_insert;
DROP TRIGGER events_fts_update;
DROP TRIGGER events_fts_delete;
DROP TABLE events_fts;
CREATE VIEW events_owned (id, contract_id, search_text, owned) AS
    SELECT e.id, e.contract_id, e.search_text, CASE WHEN k.sales_contact_id IS NOT NULL THEN
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
            e.search_text,
            'a', char(983040 + k.sales_contact_id % 1820 * 36 + 0)),
            'b', char(983040 + k.sales_contact_id % 1820 * 36 + 1)),
            'c', char(983040 + k.sales_contact_id % 1820 * 36 + 2)),
            'd', char(983040 + k.sales_contact_id % 1820 * 36 + 3)),
            'e', char(983040 + k.sales_contact_id % 1820 * 36 + 4)),
            'f', char(983040 + k.sales_contact_id % 1820 * 36 + 5)),
            'g', char(983040 + k.sales_contact_id % 1820 * 36 + 6)),
            'h', char(983040 + k.sales_contact_id % 1820 * 36 + 7)),
            'i', char(983040 + k.sales_contact_id % 1820 * 36 + 8)),
            'j', char(983040 + k.sales_contact_id % 1820 * 36 + 9)),
            'k', char(983040 + k.sales_contact_id % 1820 * 36 + 10)),
            'l', char(983040 + k.sales_contact_id % 1820 * 36 + 11)),
            'm', char(983040 + k.sales_contact_id % 1820 * 36 + 12)),
            'n', char(983040 + k.sales_contact_id % 1820 * 36 + 13)),
            'o', char(983040 + k.sales_contact_id % 1820 * 36 + 14)),
            'p', char(983040 + k.sales_contact_id % 1820 * 36 + 15)),
            'q', char(983040 + k.sales_contact_id % 1820 * 36 + 16)),
            'r', char(983040 + k.sales_contact_id % 1820 * 36 + 17)),
            's', char(983040 + k.sales_contact_id % 1820 * 36 + 18)),
            't', char(983040 + k.sales_contact_id % 1820 * 36 + 19)),
            'u', char(983040 + k.sales_contact_id % 1820 * 36 + 20)),
            'v', char(983040 + k.sales_contact_id % 1820 * 36 + 21)),
            'w', char(983040 + k.sales_contact_id % 1820 * 36 + 22)),
            'x', char(983040 + k.sales_contact_id % 1820 * 36 + 23)),
            'y', char(983040 + k.sales_contact_id % 1820 * 36 + 24)),
            'z', char(983040 + k.sales_contact_id % 1820 * 36 + 25)),
            '0', char(983040 + k.sales_contact_id % 1820 * 36 + 26)),
            '1', char(983040 + k.sales_contact_id % 1820 * 36 + 27)),
            '2', char(983040 + k.sales_contact_id % 1820 * 36 + 28)),
            '3', char(983040 + k.sales_contact_id % 1820 * 36 + 29)),
            '4', char(983040 + k.sales_contact_id % 1820 * 36 + 30)),
            '5', char(983040 + k.sales_contact_id % 1820 * 36 + 31)),
            '6', char(983040 + k.sales_contact_id % 1820 * 36 + 32)),
            '7', char(983040 + k.sales_contact_id % 1820 * 36 + 33)),
            '8', char(983040 + k.sales_contact_id % 1820 * 36 + 34)),
            '9', char(983040 + k.sales_contact_id % 1820 * 36 + 35))
        END
    FROM events e JOIN contracts k ON k.id = e.contract_id;

CREATE VIRTUAL TABLE events_fts USING fts5(search_text, owned, tokenize = 'trigram', content = '', contentless_delete = 1);
INSERT INTO events_fts (rowid, search_text, owned)
    SELECT id, search_text, owned FROM events_owned WHERE search_text IS NOT NULL ORDER BY id;
INSERT INTO events_fts (events_fts) VALUES ('optimize');

CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO events_fts (rowid, search_text, owned) SELECT id, search_text, owned FROM events_owned WHERE id = new.id;
END;
CREATE TRIGGER events_fts_update AFTER UPDATE OF search_text, contract_id ON events
    WHEN old.search_text IS NOT new.search_text OR old.contract_id IS NOT new.contract_id BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
    INSERT INTO events_fts (rowid, search_text, owned) SELECT id, search_text, owned FROM events_owned
        WHERE id = new.id AND search_text IS NOT NULL;
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.id;
END;
CREATE TRIGGER contracts_events_fts_owner AFTER UPDATE OF sales_contact_id ON contracts
    WHEN old.sales_contact_id IS NOT new.sales_contact_id BEGIN
    DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE contract_id = new.id);
    INSERT INTO events_fts (rowid, search_text, owned) SELECT id, search_text, owned FROM events_owned
        WHERE contract_id = new.id AND search_text IS NOT NULL;
END;
