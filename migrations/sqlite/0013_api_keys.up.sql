-- API keys for integrations (issue 12). A key belongs to a service account: a user row of kind
-- 'service', with the key's role and no usable password, so that permissions, scopes and the
-- audit log apply to it unchanged. Only the SHA-256 of a key is stored (the key is 256 random
-- bits: a fast hash is enough, see docs/security.md), with its first characters to recognise it.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'service'));

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    created_by   INTEGER NOT NULL,
    expires_at   TEXT             CHECK (expires_at LIKE '____-__-__T__:__:__.______Z'),
    last_used_at TEXT             CHECK (last_used_at LIKE '____-__-__T__:__:__.______Z'),
    revoked_at   TEXT             CHECK (revoked_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;
