-- EpicCRM schema for SQLite.
--
-- Times are TEXT in one fixed-width, sortable UTC format (2006-01-02T15:04:05.000000Z), so that
-- comparing and ordering the text compares and orders the instants. Days are TEXT YYYY-MM-DD.
-- Money is INTEGER cents, never REAL. Booleans are INTEGER 0 or 1. Tables are STRICT, so a value
-- of the wrong type is refused rather than silently stored.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    email         TEXT    NOT NULL,
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('management', 'sales', 'support')),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    date_joined   TEXT    NOT NULL CHECK (date_joined LIKE '____-__-__T__:__:__.______Z'),
    last_login    TEXT             CHECK (last_login LIKE '____-__-__T__:__:__.______Z'),
    password_hash TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    auth_version  INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE clients (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name       TEXT    NOT NULL,
    last_name        TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    phone            TEXT    NOT NULL DEFAULT '',
    mobile           TEXT    NOT NULL DEFAULT '',
    company          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'potential' CHECK (status IN ('potential', 'existing')),
    sales_contact_id INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    date_created     TEXT    NOT NULL CHECK (date_created LIKE '____-__-__T__:__:__.______Z'),
    date_updated     TEXT    NOT NULL CHECK (date_updated LIKE '____-__-__T__:__:__.______Z'),
    version          INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX clients_sales_contact_id_idx ON clients (sales_contact_id);
CREATE INDEX clients_last_name_idx ON clients (last_name, id);

CREATE TABLE contracts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id        INTEGER NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    sales_contact_id INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    amount           INTEGER NOT NULL CHECK (amount >= 0),
    amount_due       INTEGER NOT NULL CHECK (amount_due >= 0 AND amount_due <= amount),
    payment_due      TEXT             CHECK (payment_due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed')),
    signed_at        TEXT             CHECK (signed_at LIKE '____-__-__T__:__:__.______Z'),
    date_created     TEXT    NOT NULL CHECK (date_created LIKE '____-__-__T__:__:__.______Z'),
    date_updated     TEXT    NOT NULL CHECK (date_updated LIKE '____-__-__T__:__:__.______Z'),
    version          INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX contracts_client_id_idx ON contracts (client_id);
CREATE INDEX contracts_sales_contact_id_idx ON contracts (sales_contact_id);
CREATE INDEX contracts_date_created_idx ON contracts (date_created, id);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    contract_id        INTEGER NOT NULL REFERENCES contracts (id) ON DELETE RESTRICT,
    support_contact_id INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    event_date         TEXT    NOT NULL CHECK (event_date LIKE '____-__-__T__:__:__.______Z'),
    end_date           TEXT             CHECK (end_date LIKE '____-__-__T__:__:__.______Z' AND end_date > event_date),
    location           TEXT    NOT NULL DEFAULT '',
    attendees          INTEGER NOT NULL DEFAULT 0 CHECK (attendees >= 0),
    notes              TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    date_created       TEXT    NOT NULL CHECK (date_created LIKE '____-__-__T__:__:__.______Z'),
    date_updated       TEXT    NOT NULL CHECK (date_updated LIKE '____-__-__T__:__:__.______Z'),
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX events_contract_id_idx ON events (contract_id);
CREATE INDEX events_support_contact_id_idx ON events (support_contact_id);
CREATE INDEX events_event_date_idx ON events (event_date, id);

-- The audit log has no foreign keys, so that the history of a deleted record or user survives.
-- actor_id 0 is the system (the first account, the command line).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__.______Z'),
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    resource_id INTEGER NOT NULL,
    changes     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(changes))
) STRICT;

CREATE INDEX audit_resource_idx ON audit (resource, resource_id);
CREATE INDEX audit_actor_id_idx ON audit (actor_id);
CREATE INDEX audit_at_idx ON audit (at, id);

-- Only a hash of each refresh token is kept.
CREATE TABLE refresh_tokens (
    hash         BLOB    PRIMARY KEY,
    family_id    TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version INTEGER NOT NULL,
    issued_at    TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    used_at      TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

-- Only a hash of each session id is kept.
CREATE TABLE sessions (
    id_hash      BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version INTEGER NOT NULL,
    csrf_token   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_seen    TEXT    NOT NULL
) STRICT;

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  TEXT    NOT NULL
) STRICT;

CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);
