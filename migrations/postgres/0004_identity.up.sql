-- Identity (SPEC section 9).
--
-- Audit entries record who acted as they were at that moment. Existing entries take the actor's
-- current username and name (first and last name, or the username when both are empty): the best
-- that is known. Entries of the system (actor 0) or of a deleted user stay empty.
ALTER TABLE audit ADD COLUMN actor_username text NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN actor_name text NOT NULL DEFAULT '';
UPDATE audit a SET
    actor_username = u.username,
    actor_name = coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username)
FROM users u
WHERE u.id = a.actor_id;

-- Usernames whose Unicode TS #39 skeletons are equal look the same, so they are duplicates. The
-- skeleton is computed by the application (crm.UsernameSkeleton), which cannot be done in SQL:
-- existing rows start with NULL (which the unique index lets repeat) and the store fills in every
-- missing or outdated key, email_key included, right after migrating (sqlstore RekeyUsers).
ALTER TABLE users ADD COLUMN username_skeleton text;
CREATE UNIQUE INDEX users_username_skeleton_key ON users (username_skeleton);
