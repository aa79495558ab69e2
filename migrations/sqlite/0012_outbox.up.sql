-- The change log (transactional outbox): every audited write inserts one row per changed record
-- in its own transaction. SQLite serialises write transactions, so seq order is commit order;
-- AUTOINCREMENT never reuses a seq, even after the newest rows are pruned. record and before are
-- the record after and before the write, as the API shows it to management.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    at          TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__.______Z'),
    actor_id    INTEGER NOT NULL,
    resource    TEXT    NOT NULL,
    resource_id INTEGER NOT NULL,
    record      TEXT    NOT NULL CHECK (json_valid(record)),
    before      TEXT    NOT NULL CHECK (json_valid(before))
) STRICT;
CREATE INDEX changes_at_idx ON changes (at);

-- Webhook endpoints, managed by management. secret is the signing key of the Standard Webhooks
-- signatures (raw bytes). events is a JSON array of change types.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL CHECK (json_valid(events)),
    secret          BLOB    NOT NULL,
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER NOT NULL,
    date_created    TEXT    NOT NULL,
    date_updated    TEXT    NOT NULL
) STRICT;

-- How far in the change log the fan-out to webhook messages has gone.
CREATE TABLE outbox_cursors (
    name TEXT    PRIMARY KEY,
    seq  INTEGER NOT NULL
) STRICT;
-- The row is inserted by the first fan-out (a migration leaves every table empty, which
-- epiccrm copy expects of a target database).

-- One message (one change, or a test event) to one webhook, and its delivery state. msg_id is
-- the webhook-id header, the same on every attempt.
CREATE TABLE webhook_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    msg_id          TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    finished_at     TEXT,
    UNIQUE (webhook_id, msg_id)
) STRICT;
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at);

-- The delivery log: one row per attempt. status is the HTTP status (0: no response).
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  INTEGER NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    webhook_id  INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    error       TEXT    NOT NULL
) STRICT;
CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook_id, id);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id);
