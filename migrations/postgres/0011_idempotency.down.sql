DROP INDEX idempotency_keys_expires_at;
DROP TABLE idempotency_keys;
