-- A support user assigned many events has their clients and contracts read record by record,
-- each checked for an event of theirs (sqlstore's supportEach): through the index of the
-- events' contract (0001), each of the contract's events was read in the table for its support
-- contact. For a page of pia's clients (support of a tenth of 5M events), 626 clients walked
-- and 4,400 events read, 3.7 ms; with the support contact in the index the check reads the
-- index alone: 0.55 ms (contracts 2.2 -> 0.23 ms; docs/performance.md, "A support user's
-- clients and contracts: the events' index"). It replaces the index of 0001, whose every use
-- (a contract's events, the foreign key's checks) it serves. About 7 s per 5 million events.
DROP INDEX events_contract_id_idx;
CREATE INDEX events_contract_id_idx ON events (contract_id, support_contact_id);
