DROP INDEX events_contract_id_idx;
CREATE INDEX events_contract_id_idx ON events (contract_id);
