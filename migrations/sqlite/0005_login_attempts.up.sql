-- A login attempt is reserved before its password is checked, so that simultaneous attempts see
-- each other: a row with an attempt id is a check in flight, and becomes a failure (attempt NULL)
-- or is deleted when the check ends. Rows written before this migration are failures.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt_idx ON login_failures (attempt) WHERE attempt IS NOT NULL;
