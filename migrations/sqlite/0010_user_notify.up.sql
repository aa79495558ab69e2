-- PostgreSQL's 0010 notifies other server processes of user changes; one process owns a
-- SQLite file, so there is nothing to do here. The migration exists to keep both schemas at
-- the same version.
SELECT 1;
