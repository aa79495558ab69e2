ALTER TABLE refresh_tokens DROP COLUMN family_issued_at;
