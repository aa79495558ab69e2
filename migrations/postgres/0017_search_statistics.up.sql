-- Search at scale (docs/performance.md, "The benchmark at scale").
--
-- The planner estimates how many rows a search (search_text LIKE '%word%') matches from the
-- column's histogram, but only when the histogram holds at least 100 entries; with the default
-- statistics target it falls back to a fixed guess of a few rows. A word in 1 % of a million
-- clients was then read through the trigram index (10,000 rows fetched and sorted by id: about
-- half a second) instead of by walking the primary key until the page is full (milliseconds).
-- A histogram of 1,000 entries lets it tell a common word from a rare one. It takes effect at
-- the next ANALYZE of the table (autovacuum's, or the bulk loader's).
ALTER TABLE clients ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE users ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE events ALTER COLUMN search_text SET STATISTICS 1000;
