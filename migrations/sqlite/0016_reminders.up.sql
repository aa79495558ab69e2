-- Reminders by e-mail (issue 12). Each reminder is queued once per (kind, record, recipient,
-- day), its message rendered, before it is sent: the unique key makes the queueing exactly-once;
-- a sender claims a row, sends it, then marks it sent.
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         TEXT    NOT NULL CHECK (day LIKE '____-__-__'),
    recipient   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    queued_at   TEXT    NOT NULL CHECK (queued_at LIKE '____-__-__T__:__:__.______Z'),
    claimed_at  TEXT             CHECK (claimed_at LIKE '____-__-__T__:__:__.______Z'),
    sent_at     TEXT             CHECK (sent_at LIKE '____-__-__T__:__:__.______Z'),
    failed_at   TEXT             CHECK (failed_at LIKE '____-__-__T__:__:__.______Z'),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    CONSTRAINT reminders_once UNIQUE (kind, resource, record_id, user_id, day)
) STRICT;
CREATE INDEX reminders_pending_idx ON reminders (id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The reminders each user turned off (absent: on).
CREATE TABLE notification_optouts (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    PRIMARY KEY (user_id, kind)
) STRICT;

-- How far the reminders have read the change log: one row.
CREATE TABLE reminder_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
