-- Drops the whole EpicCRM schema, referencing tables first.
DROP TABLE IF EXISTS login_failures;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS audit;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS contracts;
DROP TABLE IF EXISTS clients;
DROP TABLE IF EXISTS users;
