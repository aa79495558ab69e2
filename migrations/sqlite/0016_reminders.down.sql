DROP TABLE reminder_cursor;
DROP TABLE notification_optouts;
DROP TABLE reminders;
