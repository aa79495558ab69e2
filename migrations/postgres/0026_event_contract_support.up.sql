-- A support user reads the clients and contracts that have an event of theirs: the scope finds,
-- for each contract, whether one of its events has the caller as support contact (sqlstore's
-- clientScope and contractScope). The index of the events' contract (0001) gave a contract's
-- events, each then read in the table for its support contact: for a page of pia's clients
-- (support of a tenth of 5M events), 626 clients walked and 4,400 events read, 10.4 ms. With
-- the support contact in the index the check is an index-only scan: 2.4 ms (docs/performance.md,
-- "A support user's clients and contracts: the events' index"). It replaces the index of 0001,
-- whose every use (a contract's events, the foreign key's checks) it serves. About 5 s per 5
-- million events, under a lock that blocks writes to events.
DROP INDEX events_contract_id_idx;
CREATE INDEX events_contract_id_idx ON events (contract_id, support_contact_id);
