-- Emails are unique ignoring case in every alphabet. SQLite's lower() folds only ASCII letters,
-- so the store writes email_key, the address lowercased by the application, and the unique index
-- is on it. (Existing rows are keyed with lower(), which is exact for the ASCII addresses that
-- the previous index could tell apart.)
ALTER TABLE users ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE users SET email_key = lower(email);
DROP INDEX users_email_lower_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key);
