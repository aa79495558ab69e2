DELETE FROM login_failures WHERE attempt IS NOT NULL;
DROP INDEX login_failures_attempt_idx;
ALTER TABLE login_failures DROP COLUMN attempt;
