-- Idempotency keys of the REST API (the Idempotency-Key header on POST): one row per caller and
-- key. A request reserves its key ('pending', with a lease in lease_until, so that the key of a
-- process that died mid-request frees itself); the write that answers it stores its answer
-- ('done': status, headers as a JSON object, body) in the write's own transaction. Times are
-- Unix milliseconds. Rows are forgotten after expires_at. Deleting a user forgets its keys.
CREATE TABLE idempotency_keys (
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    token       TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    headers     TEXT NOT NULL DEFAULT '{}',
    body        BLOB,
    PRIMARY KEY (owner_id, idem_key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
