DROP TABLE policy_state;
DROP INDEX signing_keys_one_current;
DROP TABLE signing_keys;
