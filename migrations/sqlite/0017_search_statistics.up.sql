-- PostgreSQL's 0017 gives the planner a larger histogram of the search text; SQLite's FTS5
-- search needs no such statistics, so there is nothing to do here. The migration exists to
-- keep both schemas at the same version.
SELECT 1;
