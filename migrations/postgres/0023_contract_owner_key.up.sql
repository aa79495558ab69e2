-- The window step of a search within one salesperson's contracts by their client (sqlstore's
-- list: a contracts search with q, or a client filter) walks the salesperson's contracts of
-- the window in id order, checking each one's client through the clients' key. This index gives
-- it those contracts in id order, with their client; the index of 0001 on the sales contact
-- alone left it reading all 10,000 contracts of the window (0.94 -> 0.58 ms for sue's common
-- word at 1M). It replaces that index, whose every use it serves. Under a second per million
-- contracts, under a lock that blocks writes to contracts.
DROP INDEX contracts_sales_contact_id_idx;
CREATE INDEX contracts_sales_contact_id_idx ON contracts (sales_contact_id, id) INCLUDE (client_id);
