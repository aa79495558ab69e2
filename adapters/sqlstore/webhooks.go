package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.WebhookStore = (*Store)(nil)

const webhookCols = `id, url, events, secret, enabled, disabled_reason, created_by, date_created, date_updated`

func scanWebhook(r Row) (*crm.Webhook, error) {
	var w crm.Webhook
	var events string
	if err := r.Scan(&w.ID, &w.URL, &events, &w.Secret, &w.Enabled, &w.DisabledReason, &w.CreatedBy,
		timeDest{&w.DateCreated}, timeDest{&w.DateUpdated}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("webhook %d: unreadable events %q: %w", w.ID, events, err)
	}
	return &w, nil
}

// eventsJSON is the stored form of a webhook's events.
func eventsJSON(events []string) string {
	if events == nil {
		events = []string{}
	}
	b, _ := json.Marshal(events)
	return string(b)
}

// CreateWebhook inserts w and sets its ID.
func (s *Store) CreateWebhook(ctx context.Context, w *crm.Webhook) error {
	return s.inTx(ctx, func(tx Tx) error { return s.insertWebhook(ctx, tx, w) })
}

func (s *Store) insertWebhook(ctx context.Context, tx Tx, w *crm.Webhook) error {
	err := s.queryRow(ctx, tx, `INSERT INTO webhooks (url, events, secret, enabled, disabled_reason, created_by,
			date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		w.URL, eventsJSON(w.Events), w.Secret, w.Enabled, w.DisabledReason, w.CreatedBy, s.d.time(w.DateCreated),
		s.d.time(w.DateUpdated)).Scan(&w.ID)
	return s.fail(err, nil)
}

// FindWebhook returns the webhook with id, or ENOTFOUND.
func (s *Store) FindWebhook(ctx context.Context, id int64) (*crm.Webhook, error) {
	w, err := scanWebhook(s.queryRow(ctx, s.db, "SELECT "+webhookCols+" FROM webhooks WHERE id = ?", id))
	if isNoRows(err) {
		return nil, notFound("webhook", id)
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return w, nil
}

// ListWebhooks returns every webhook, by id.
func (s *Store) ListWebhooks(ctx context.Context) ([]*crm.Webhook, error) {
	return s.listWebhooks(ctx, s.db, "")
}

func (s *Store) listWebhooks(ctx context.Context, q Querier, cond string) ([]*crm.Webhook, error) {
	rows, err := s.query(ctx, q, "SELECT "+webhookCols+" FROM webhooks"+cond+" ORDER BY id")
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return collectRows(s, rows, scanWebhook)
}

// collectRows scans every row of rows with scan and closes them.
func collectRows[T any](s *Store, rows Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, nil)
	}
	return out, nil
}

// UpdateWebhook writes the URL, events, enabled flag and disabled reason of w.
func (s *Store) UpdateWebhook(ctx context.Context, w *crm.Webhook) error {
	n, err := s.exec(ctx, s.db, `UPDATE webhooks SET url = ?, events = ?, enabled = ?, disabled_reason = ?, date_updated = ?
		WHERE id = ?`, w.URL, eventsJSON(w.Events), w.Enabled, w.DisabledReason, s.d.time(w.DateUpdated), w.ID)
	if err != nil {
		return s.fail(err, nil)
	}
	if n == 0 {
		return notFound("webhook", w.ID)
	}
	return nil
}

// DeleteWebhook deletes the webhook with id, its messages and its log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM webhook_attempts WHERE webhook_id = ?", id); err != nil {
			return s.fail(err, nil)
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM webhook_messages WHERE webhook_id = ?", id); err != nil {
			return s.fail(err, nil)
		}
		n, err := s.exec(ctx, tx, "DELETE FROM webhooks WHERE id = ?", id)
		if err != nil {
			return s.fail(err, nil)
		}
		if n == 0 {
			return notFound("webhook", id)
		}
		return nil
	})
}

// ListWebhookAttempts returns the newest attempts of a webhook, newest first.
func (s *Store) ListWebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]crm.WebhookAttempt, error) {
	rows, err := s.query(ctx, s.db, `SELECT a.id, a.webhook_id, m.msg_id, m.type, a.attempt, a.at, a.status, a.duration_ms,
			a.error, m.state
		FROM webhook_attempts a JOIN webhook_messages m ON m.id = a.message_id
		WHERE a.webhook_id = ? ORDER BY a.id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, s.fail(err, nil)
	}
	out, err := collectRows(s, rows, func(r Row) (crm.WebhookAttempt, error) {
		var a crm.WebhookAttempt
		err := r.Scan(&a.ID, &a.WebhookID, &a.MsgID, &a.Type, &a.Attempt, timeDest{&a.At}, &a.Status, &a.DurationMS,
			&a.Error, &a.State)
		return a, err
	})
	if out == nil && err == nil {
		out = []crm.WebhookAttempt{}
	}
	return out, err
}

// EnqueueWebhookMessage inserts a pending message due at its creation.
func (s *Store) EnqueueWebhookMessage(ctx context.Context, m *crm.WebhookMessage) error {
	return s.inTx(ctx, func(tx Tx) error { return s.enqueue(ctx, tx, m) })
}

func (s *Store) enqueue(ctx context.Context, q Querier, m *crm.WebhookMessage) error {
	err := s.queryRow(ctx, q, `INSERT INTO webhook_messages (webhook_id, msg_id, type, payload, state, attempts,
			next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING id`,
		m.WebhookID, m.MsgID, m.Type, string(m.Payload), s.d.time(m.CreatedAt), s.d.time(m.CreatedAt)).Scan(&m.ID)
	return s.fail(err, &conflicts{foreignKey: crm.Textf("the webhook no longer exists")})
}

// FanOutChanges turns changes after the fan-out cursor into messages and moves the cursor, in
// one transaction. On PostgreSQL the cursor row is locked with SKIP LOCKED: a second
// dispatcher finds it locked and returns at once, rather than fanning out the same changes.
func (s *Store) FanOutChanges(ctx context.Context, limit int, now time.Time, payload func(crm.Change) ([]byte, error)) (int, error) {
	if idle, err := s.idle(ctx, `SELECT count(*) FROM changes
		WHERE seq > COALESCE((SELECT seq FROM outbox_cursors WHERE name = 'webhooks'), 0)`); idle || err != nil {
		return 0, err
	}
	if _, err := s.exec(ctx, s.db, `INSERT INTO outbox_cursors (name, seq) VALUES ('webhooks', 0)
		ON CONFLICT (name) DO NOTHING`); err != nil {
		return 0, s.fail(err, nil)
	}
	n := 0
	err := s.inTx(ctx, func(tx Tx) error {
		lock := ""
		if s.d.RowLocks {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var cursor int64
		err := s.queryRow(ctx, tx, "SELECT seq FROM outbox_cursors WHERE name = 'webhooks'"+lock).Scan(&cursor)
		if isNoRows(err) {
			return nil // another dispatcher is fanning out
		}
		if err != nil {
			return s.fail(err, nil)
		}
		changes, err := s.changesAfter(ctx, tx, cursor, limit)
		if err != nil || len(changes) == 0 {
			return err
		}
		hooks, err := s.listWebhooks(ctx, tx, " WHERE enabled")
		if err != nil {
			return err
		}
		for _, c := range changes {
			var body []byte
			for _, w := range hooks {
				if !w.Receives(c) {
					continue
				}
				if body == nil {
					if body, err = payload(c); err != nil {
						return err
					}
				}
				if err := s.enqueue(ctx, tx, &crm.WebhookMessage{WebhookID: w.ID, MsgID: c.ID, Type: c.Type, Payload: body,
					CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		if _, err := s.exec(ctx, tx, "UPDATE outbox_cursors SET seq = ? WHERE name = 'webhooks'", changes[len(changes)-1].Seq); err != nil {
			return s.fail(err, nil)
		}
		n = len(changes)
		return nil
	})
	return n, err
}

// ClaimWebhookMessages claims due pending messages for one attempt each.
func (s *Store) ClaimWebhookMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*crm.WebhookMessage, error) {
	if idle, err := s.idle(ctx, "SELECT count(*) FROM webhook_messages WHERE state = 'pending' AND next_attempt_at <= ?",
		s.d.time(now)); idle || err != nil {
		return nil, err
	}
	var out []*crm.WebhookMessage
	err := s.inTx(ctx, func(tx Tx) error {
		lock := ""
		if s.d.RowLocks {
			lock = " FOR UPDATE OF m SKIP LOCKED"
		}
		rows, err := s.query(ctx, tx, `SELECT m.id, m.webhook_id, m.msg_id, m.type, m.payload, m.attempts, m.created_at,
				w.url, w.secret
			FROM webhook_messages m JOIN webhooks w ON w.id = m.webhook_id
			WHERE m.state = 'pending' AND m.next_attempt_at <= ? AND w.enabled
			ORDER BY m.next_attempt_at, m.id LIMIT ?`+lock, s.d.time(now), limit)
		if err != nil {
			return s.fail(err, nil)
		}
		out, err = collectRows(s, rows, func(r Row) (*crm.WebhookMessage, error) {
			var m crm.WebhookMessage
			var payload string
			err := r.Scan(&m.ID, &m.WebhookID, &m.MsgID, &m.Type, &payload, &m.Attempts, timeDest{&m.CreatedAt}, &m.URL, &m.Secret)
			m.Payload = []byte(payload)
			return &m, err
		})
		if err != nil || len(out) == 0 {
			return err
		}
		ids := make([]string, len(out))
		args := []any{s.d.time(now.Add(lease))}
		for i, m := range out {
			ids[i] = "?"
			args = append(args, m.ID)
			m.Attempts++
			m.State = crm.MessagePending
		}
		_, err = s.exec(ctx, tx, "UPDATE webhook_messages SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN ("+
			strings.Join(ids, ", ")+")", args...)
		return s.fail(err, nil)
	})
	return out, err
}

// FinishWebhookAttempt records an attempt of m and sets m's outcome.
func (s *Store) FinishWebhookAttempt(ctx context.Context, m *crm.WebhookMessage, a crm.WebhookAttempt, o crm.WebhookOutcome) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO webhook_attempts (message_id, webhook_id, attempt, at, status, duration_ms, error)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.WebhookID, a.Attempt, s.d.time(a.At), a.Status, a.DurationMS, a.Error); err != nil {
			return s.fail(err, nil)
		}
		var finished any
		next := a.At
		if o.State == crm.MessagePending {
			next = o.Next
		} else {
			finished = s.d.time(a.At)
		}
		_, err := s.exec(ctx, tx, "UPDATE webhook_messages SET state = ?, next_attempt_at = ?, finished_at = ? WHERE id = ?",
			o.State, s.d.time(next), finished, m.ID)
		return s.fail(err, nil)
	})
}

// WebhookDeliveredSince reports whether any attempt to the webhook succeeded at or after t.
func (s *Store) WebhookDeliveredSince(ctx context.Context, webhookID int64, t time.Time) (bool, error) {
	var n int
	err := s.queryRow(ctx, s.db, `SELECT count(*) FROM webhook_attempts WHERE webhook_id = ? AND at >= ?
		AND status BETWEEN 200 AND 299`, webhookID, s.d.time(t)).Scan(&n)
	if err != nil {
		return false, s.fail(err, nil)
	}
	return n > 0, nil
}

// DisableWebhook disables the webhook, saying why.
func (s *Store) DisableWebhook(ctx context.Context, webhookID int64, reason string, now time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE webhooks SET enabled = ?, disabled_reason = ?, date_updated = ? WHERE id = ?",
		false, reason, s.d.time(now), webhookID)
	return s.fail(err, nil)
}

// PruneOutbox deletes the changes already fanned out, and the finished messages with their
// log, older than before; the newest change stays, so that LastChangeSeq keeps its value.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := s.inTx(ctx, func(tx Tx) error {
		for _, q := range []string{
			`DELETE FROM changes WHERE at < ? AND seq <= (SELECT seq FROM outbox_cursors WHERE name = 'webhooks')
				AND seq < (SELECT MAX(seq) FROM changes)`,
			`DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages
				WHERE state <> 'pending' AND created_at < ?)`,
			`DELETE FROM webhook_messages WHERE state <> 'pending' AND created_at < ?`,
		} {
			n, err := s.exec(ctx, tx, q, s.d.time(before))
			if err != nil {
				return s.fail(err, nil)
			}
			total += n
		}
		return nil
	})
	return total, err
}

// idle reports whether the count query finds nothing to do, on the read pool: an idle
// dispatcher's polls then take no write lock (SQLite has one for the whole database).
func (s *Store) idle(ctx context.Context, query string, args ...any) (bool, error) {
	var n int64
	if err := s.queryRow(ctx, s.db, query, args...).Scan(&n); err != nil {
		return false, s.fail(err, nil)
	}
	return n == 0, nil
}
