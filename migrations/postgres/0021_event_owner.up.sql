-- A search within one salesperson's events reads an index of that salesperson's trigrams, as
-- 0020 does for clients. An event's salesperson is its contract's sales contact, in another
-- table, which an index of events cannot read: events.owner_id keeps a copy of it, written by
-- the trigger events_owner on every insert (and change of contract_id or owner_id, so that it
-- cannot be set to anything else) and by contracts_events_owner when a contract changes hands.
-- The store never writes the column and never reads it as a rule: the scope stays the
-- contract's sales contact; owner_id only leads the search to the rows to check.
--
-- Before, a salesperson's search of their events met the trigram index's matches of the word
-- with their contracts: 0.7-1.3 s at 5M events for a common word of which they own none,
-- against well under 1 ms through this index (docs/performance.md, "One salesperson's events").
--
-- The fill rewrites every event, with the trigram index of the events' search text dropped
-- and built again after it (kept, the fill alone took 14 minutes at 5M events), then builds the
-- new index: 11 minutes in all at 5M events on a 2-core machine, during which writes to events
-- and contracts wait (the ALTER TABLE locks events, the trigger on contracts locks contracts).
-- Run VACUUM ANALYZE events afterwards where autovacuum is off.
CREATE FUNCTION events_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.owner_id := (SELECT sales_contact_id FROM contracts WHERE id = NEW.contract_id);
    RETURN NEW;
END $$;
CREATE FUNCTION contracts_events_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events SET owner_id = NEW.sales_contact_id WHERE contract_id = NEW.id;
    RETURN NULL;
END $$;

ALTER TABLE events ADD COLUMN owner_id bigint;
-- "derived:" tells the copy between databases (adapters/dbcopy) to leave the column to the
-- target, whose trigger writes it.
COMMENT ON COLUMN events.owner_id IS 'derived: the sales contact of the event''s contract, written by the triggers events_owner and contracts_events_owner';
CREATE TRIGGER contracts_events_owner AFTER UPDATE OF sales_contact_id ON contracts FOR EACH ROW
    WHEN (OLD.sales_contact_id IS DISTINCT FROM NEW.sales_contact_id) EXECUTE FUNCTION contracts_events_owner();

DROP INDEX events_search_trgm_idx;
UPDATE events e SET owner_id = k.sales_contact_id FROM contracts k
    WHERE k.id = e.contract_id AND k.sales_contact_id IS NOT NULL;
CREATE INDEX events_search_trgm_idx ON events USING gin (search_text gin_trgm_ops) WITH (fastupdate = off);

CREATE TRIGGER events_owner BEFORE INSERT OR UPDATE OF contract_id, owner_id ON events FOR EACH ROW
    EXECUTE FUNCTION events_owner();
CREATE INDEX events_owner_trgm_idx ON events USING gin (owner_trigrams(owner_id, search_text))
    WITH (fastupdate = off);
