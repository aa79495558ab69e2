DROP INDEX events_owner_trgm_idx;
DROP TRIGGER events_owner ON events;
DROP TRIGGER contracts_events_owner ON contracts;
ALTER TABLE events DROP COLUMN owner_id;
DROP FUNCTION contracts_events_owner();
DROP FUNCTION events_owner();
