-- Token signing keys shared by every process on the database. sealed_key is the key's Ed25519
-- seed sealed with AES-256-GCM under the key-encryption key (nonce || ciphertext || tag); the
-- database never holds a key in the clear. The key whose retired_at is NULL is the current one,
-- and there is at most one.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    sealed_key BLOB NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;

-- The fingerprint of the permission policy each process enforced when it started or reloaded:
-- the newest row is the policy the others compare theirs with.
CREATE TABLE policy_state (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL
);
