-- PostgreSQL's 0022 indexes events.owner_id for the window step of its searches. SQLite has
-- no such column (its events_fts column owned serves the salesperson's searches, 0021) and no
-- window: nothing to do, so that both stores stay at the same schema version.
SELECT 1;
