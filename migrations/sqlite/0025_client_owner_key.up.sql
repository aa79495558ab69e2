-- PostgreSQL's 0025 gives the window step of its searches within one salesperson's clients an
-- index of their ids and search text. SQLite's searches read the FTS5 index (its column owned
-- for a salesperson's, 0020) and have no window there: nothing to do, so that both stores stay
-- at the same schema version.
SELECT 1;
