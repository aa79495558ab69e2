DELETE FROM users WHERE kind = 'service';
DROP TABLE api_keys;
ALTER TABLE users DROP COLUMN kind;
