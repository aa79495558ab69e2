DROP INDEX users_username_skeleton_key;
ALTER TABLE users DROP COLUMN username_skeleton;
ALTER TABLE audit DROP COLUMN actor_name;
ALTER TABLE audit DROP COLUMN actor_username;
