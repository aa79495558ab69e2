DROP INDEX clients_owner_trgm_idx;
DROP FUNCTION owner_trigrams(bigint, text);
