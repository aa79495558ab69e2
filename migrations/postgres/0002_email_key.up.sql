-- Emails are unique ignoring case, compared by a key the application writes (the address
-- lowercased), the same on SQLite and PostgreSQL whatever the database's locale.
ALTER TABLE users ADD COLUMN email_key text NOT NULL DEFAULT '';
UPDATE users SET email_key = lower(email);
DROP INDEX users_email_lower_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key);
