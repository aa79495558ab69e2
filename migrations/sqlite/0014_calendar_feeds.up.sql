-- Each user's private calendar feed (an iCalendar URL with a secret in it): only the SHA-256
-- hash of the secret is kept, so the database alone cannot be used to read a feed. One feed per
-- user; rotating it replaces the row, revoking it deletes the row.
CREATE TABLE calendar_feeds (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_hash BLOB    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
) STRICT;
