-- EpicCRM schema for PostgreSQL.
--
-- Times are timestamptz (microsecond precision), days are date, money is bigint cents (never a
-- float), ids are bigint identities that are never reused.

CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL,
    email         text        NOT NULL,
    first_name    text        NOT NULL DEFAULT '',
    last_name     text        NOT NULL DEFAULT '',
    role          text        NOT NULL CHECK (role IN ('management', 'sales', 'support')),
    is_active     boolean     NOT NULL DEFAULT true,
    date_joined   timestamptz NOT NULL,
    last_login    timestamptz,
    password_hash text        NOT NULL,
    version       bigint      NOT NULL DEFAULT 1,
    auth_version  bigint      NOT NULL DEFAULT 1,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE clients (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name       text        NOT NULL,
    last_name        text        NOT NULL,
    email            text        NOT NULL,
    phone            text        NOT NULL DEFAULT '',
    mobile           text        NOT NULL DEFAULT '',
    company          text        NOT NULL DEFAULT '',
    status           text        NOT NULL DEFAULT 'potential' CHECK (status IN ('potential', 'existing')),
    sales_contact_id bigint      REFERENCES users (id) ON DELETE RESTRICT,
    date_created     timestamptz NOT NULL,
    date_updated     timestamptz NOT NULL,
    version          bigint      NOT NULL DEFAULT 1
);

CREATE INDEX clients_sales_contact_id_idx ON clients (sales_contact_id);
CREATE INDEX clients_last_name_idx ON clients (last_name, id);

CREATE TABLE contracts (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id        bigint      NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    sales_contact_id bigint      REFERENCES users (id) ON DELETE RESTRICT,
    amount           bigint      NOT NULL CHECK (amount >= 0),
    amount_due       bigint      NOT NULL CHECK (amount_due >= 0 AND amount_due <= amount),
    payment_due      date,
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed')),
    signed_at        timestamptz,
    date_created     timestamptz NOT NULL,
    date_updated     timestamptz NOT NULL,
    version          bigint      NOT NULL DEFAULT 1
);

CREATE INDEX contracts_client_id_idx ON contracts (client_id);
CREATE INDEX contracts_sales_contact_id_idx ON contracts (sales_contact_id);
CREATE INDEX contracts_date_created_idx ON contracts (date_created, id);

CREATE TABLE events (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text        NOT NULL,
    contract_id        bigint      NOT NULL REFERENCES contracts (id) ON DELETE RESTRICT,
    support_contact_id bigint      REFERENCES users (id) ON DELETE RESTRICT,
    event_date         timestamptz NOT NULL,
    end_date           timestamptz CHECK (end_date IS NULL OR end_date > event_date),
    location           text        NOT NULL DEFAULT '',
    attendees          integer     NOT NULL DEFAULT 0 CHECK (attendees >= 0),
    notes              text        NOT NULL DEFAULT '',
    status             text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    date_created       timestamptz NOT NULL,
    date_updated       timestamptz NOT NULL,
    version            bigint      NOT NULL DEFAULT 1
);

CREATE INDEX events_contract_id_idx ON events (contract_id);
CREATE INDEX events_support_contact_id_idx ON events (support_contact_id);
CREATE INDEX events_event_date_idx ON events (event_date, id);

-- The audit log has no foreign keys, so that the history of a deleted record or user survives.
-- actor_id 0 is the system (the first account, the command line).
CREATE TABLE audit (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_id    bigint      NOT NULL,
    action      text        NOT NULL,
    resource    text        NOT NULL,
    resource_id bigint      NOT NULL,
    changes     jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_resource_idx ON audit (resource, resource_id);
CREATE INDEX audit_actor_id_idx ON audit (actor_id);
CREATE INDEX audit_at_idx ON audit (at, id);

-- Only a hash of each refresh token is kept.
CREATE TABLE refresh_tokens (
    hash         bytea       PRIMARY KEY,
    family_id    text        NOT NULL,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version bigint      NOT NULL,
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

-- Only a hash of each session id is kept.
CREATE TABLE sessions (
    id_hash      bytea       PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version bigint      NOT NULL,
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen);

CREATE TABLE login_failures (
    id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text        NOT NULL,
    at  timestamptz NOT NULL
);

CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);
