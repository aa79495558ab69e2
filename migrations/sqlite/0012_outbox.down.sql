DROP TABLE webhook_attempts;
DROP TABLE webhook_messages;
DROP TABLE outbox_cursors;
DROP TABLE webhooks;
DROP TABLE changes;
