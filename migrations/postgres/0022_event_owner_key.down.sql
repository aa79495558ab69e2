DROP INDEX events_owner_id_idx;
