-- A refresh token family has an absolute lifetime, counted from its first token (RFC 9700
-- section 4.14.2), so every token records when its family began. Existing tokens take their own
-- issue time: a family already in use gets its full lifetime from its latest refresh.
ALTER TABLE refresh_tokens ADD COLUMN family_issued_at timestamptz;
UPDATE refresh_tokens SET family_issued_at = issued_at;
ALTER TABLE refresh_tokens ALTER COLUMN family_issued_at SET NOT NULL;
