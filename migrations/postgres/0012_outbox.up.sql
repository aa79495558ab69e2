-- The change log (transactional outbox): every audited write inserts one row per changed record
-- in its own transaction. seq is allocated under an advisory lock taken just before the insert,
-- at the end of the write transaction, so that seq order is commit order: a reader that has
-- seen seq n never later sees a committed row with a smaller seq. record and before are the
-- record after and before the write, as the API shows it to management (json keeps the text as
-- written, key order included).
CREATE TABLE changes (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text        NOT NULL UNIQUE,
    type        text        NOT NULL,
    at          timestamptz NOT NULL,
    actor_id    bigint      NOT NULL,
    resource    text        NOT NULL,
    resource_id bigint      NOT NULL,
    record      json        NOT NULL,
    before      json        NOT NULL
);
CREATE INDEX changes_at_idx ON changes (at);

-- Webhook endpoints, managed by management. secret is the signing key of the Standard Webhooks
-- signatures (raw bytes). events is a JSON array of change types.
CREATE TABLE webhooks (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             text        NOT NULL,
    events          text        NOT NULL,
    secret          bytea       NOT NULL,
    enabled         boolean     NOT NULL,
    disabled_reason text        NOT NULL DEFAULT '',
    created_by      bigint      NOT NULL,
    date_created    timestamptz NOT NULL,
    date_updated    timestamptz NOT NULL
);

-- How far in the change log the fan-out to webhook messages has gone: one row, locked by the
-- dispatcher that fans out, so that every change becomes messages exactly once.
CREATE TABLE outbox_cursors (
    name text   PRIMARY KEY,
    seq  bigint NOT NULL
);
-- The row is inserted by the first fan-out (a migration leaves every table empty, which
-- epiccrm copy expects of a target database).

-- One message (one change, or a test event) to one webhook, and its delivery state. msg_id is
-- the webhook-id header, the same on every attempt. A dispatcher claims a due pending message
-- by moving next_attempt_at past the attempt's time limit (SELECT ... FOR UPDATE SKIP LOCKED),
-- so that no other dispatcher attempts it at the same time.
CREATE TABLE webhook_messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    msg_id          text        NOT NULL,
    type            text        NOT NULL,
    payload         text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    UNIQUE (webhook_id, msg_id)
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at);

-- The delivery log: one row per attempt. status is the HTTP status (0: no response).
CREATE TABLE webhook_attempts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  bigint      NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    webhook_id  bigint      NOT NULL,
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL,
    status      integer     NOT NULL,
    duration_ms integer     NOT NULL,
    error       text        NOT NULL
);
CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook_id, id);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id);
