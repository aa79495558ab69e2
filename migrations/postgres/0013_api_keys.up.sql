-- API keys for integrations (issue 12). A key belongs to a service account: a user row of kind
-- 'service', with the key's role and no usable password, so that permissions, scopes and the
-- audit log apply to it unchanged. Only the SHA-256 of a key is stored (the key is 256 random
-- bits: a fast hash is enough, see docs/security.md), with its first characters to recognise it.
ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'service'));

CREATE TABLE api_keys (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    hash         bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    created_by   bigint      NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
