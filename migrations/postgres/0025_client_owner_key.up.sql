-- The window step of a search within one salesperson's clients (sqlstore's list) walks the
-- window's ids, checking the owner, then the words, on each entry of the clients' key (0018):
-- 10,000 entries for the salesperson's thousand. This index gives it the salesperson's clients
-- of the window alone, in id order, with their search text, so that the step stays an
-- index-only scan: at 1M, sam's rare word 1.50 -> 0.47 ms, sue's common one 0.94 -> 0.85 ms
-- (docs/performance.md, "PostgreSQL: the window of one salesperson's clients"). It replaces the
-- index of 0001 on the sales contact alone, whose every use it serves. About 6 s per million
-- clients, under a lock that blocks writes to clients.
DROP INDEX clients_sales_contact_id_idx;
CREATE INDEX clients_sales_contact_id_idx ON clients (sales_contact_id, id) INCLUDE (search_text);
