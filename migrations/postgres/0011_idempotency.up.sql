-- Idempotency keys of the REST API (the Idempotency-Key header on POST): one row per caller and
-- key. A request reserves its key ('pending', with a lease in lease_until, so that the key of a
-- process that died mid-request frees itself); the write that answers it stores its answer
-- ('done': status, headers as a JSON object, body) in the write's own transaction. Times are
-- Unix milliseconds. Rows are forgotten after expires_at. Deleting a user forgets its keys.
CREATE TABLE idempotency_keys (
    owner_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key    text NOT NULL,
    fingerprint text NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'done')),
    token       text NOT NULL,
    lease_until bigint NOT NULL,
    expires_at  bigint NOT NULL,
    status      bigint NOT NULL DEFAULT 0,
    headers     text NOT NULL DEFAULT '{}',
    body        bytea,
    PRIMARY KEY (owner_id, idem_key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
