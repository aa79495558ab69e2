-- Reminders by e-mail (issue 12). Each reminder is queued once per (kind, record, recipient,
-- day), its message rendered, before it is sent: the unique key makes the queueing exactly-once
-- across processes; a sender claims a row (FOR UPDATE SKIP LOCKED), sends it, then marks it sent.
CREATE TABLE reminders (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    resource    text        NOT NULL,
    record_id   bigint      NOT NULL,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         date        NOT NULL,
    recipient   text        NOT NULL,
    subject     text        NOT NULL,
    body        text        NOT NULL,
    queued_at   timestamptz NOT NULL,
    claimed_at  timestamptz,
    sent_at     timestamptz,
    failed_at   timestamptz,
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text        NOT NULL DEFAULT '',
    CONSTRAINT reminders_once UNIQUE (kind, resource, record_id, user_id, day)
);
CREATE INDEX reminders_pending_idx ON reminders (id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The reminders each user turned off (absent: on).
CREATE TABLE notification_optouts (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    text   NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- How far the reminders have read the change log: one row.
CREATE TABLE reminder_cursor (
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint  NOT NULL
);
