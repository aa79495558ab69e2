-- The window step of a search within one salesperson's events (sqlstore's list) walks the
-- window's ids checking the words on each of the salesperson's events; this index gives it
-- just those events, by the owner that 0021 copies into events.owner_id. Without it the step
-- read all 10,000 events of the window (about 10 ms at 5M events, a tenth of a second at 16
-- connections on 2 CPUs, for a salesperson owning none of them). About 30 s per million
-- events to build, under a lock that blocks writes to events.
CREATE INDEX events_owner_id_idx ON events (owner_id, id);
