-- Every change to a user (deactivation, role, password, any edit, a deletion) notifies the
-- channel epiccrm_users with the user's id, in the transaction of the change, so that each
-- server process drops its cached copy of the user the moment the change commits. A TRUNCATE
-- notifies '*': forget every user.
CREATE FUNCTION epiccrm_notify_user_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('epiccrm_users', '*');
    ELSE
        PERFORM pg_notify('epiccrm_users', OLD.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_change AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION epiccrm_notify_user_change();

CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION epiccrm_notify_user_change();
