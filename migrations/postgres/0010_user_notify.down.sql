DROP TRIGGER IF EXISTS users_notify_truncate ON users;
DROP TRIGGER IF EXISTS users_notify_change ON users;
DROP FUNCTION IF EXISTS epiccrm_notify_user_change();
