package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.ReminderStore = (*Store)(nil)

// QueueReminders inserts each reminder unless its key (kind, resource, record, user, day) is
// taken, in one transaction, and returns how many it inserted.
func (s *Store) QueueReminders(ctx context.Context, rs []crm.Reminder) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx Tx) error {
		n = 0
		for _, r := range rs {
			added, err := s.exec(ctx, tx, `INSERT INTO reminders (kind, resource, record_id, user_id, day, recipient,
					subject, body, queued_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (kind, resource, record_id, user_id, day) DO NOTHING`,
				string(r.Kind), string(r.Resource), r.RecordID, r.UserID, s.d.nullDate(&r.Day), r.Mail.To,
				r.Mail.Subject, r.Mail.Body, s.d.time(r.QueuedAt))
			if err != nil {
				return s.fail(err, &conflicts{foreignKey: crm.Textf("the recipient of a reminder no longer exists")})
			}
			n += int(added)
		}
		return nil
	})
	return n, err
}

// ClaimReminders claims at most limit unsent reminders, unclaimed or claimed before
// staleBefore. On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so that processes
// claiming at once take different rows; SQLite has one writer.
func (s *Store) ClaimReminders(ctx context.Context, now, staleBefore time.Time, limit int) ([]crm.Reminder, error) {
	lock := ""
	if s.d.RowLocks {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []crm.Reminder
	err := s.inTx(ctx, func(tx Tx) error {
		out = nil
		rows, err := s.query(ctx, tx, `UPDATE reminders SET claimed_at = ?
			WHERE id IN (SELECT id FROM reminders
				WHERE sent_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?)
				ORDER BY id LIMIT ?`+lock+`)
			RETURNING id, kind, resource, record_id, user_id, day, recipient, subject, body, queued_at, attempts`,
			s.d.time(now), s.d.time(staleBefore), limit)
		if err != nil {
			return s.fail(err, nil)
		}
		defer rows.Close()
		for rows.Next() {
			var r crm.Reminder
			var day *crm.Date
			if err := rows.Scan(&r.ID, (*string)(&r.Kind), (*string)(&r.Resource), &r.RecordID, &r.UserID,
				nullDateDest{&day}, &r.Mail.To, &r.Mail.Subject, &r.Mail.Body, timeDest{&r.QueuedAt}, &r.Attempts); err != nil {
				return s.fail(err, nil)
			}
			if day != nil {
				r.Day = *day
			}
			out = append(out, r)
		}
		return s.fail(rows.Err(), nil)
	})
	return out, err
}

// MarkReminderSent records that the reminder with id was sent.
func (s *Store) MarkReminderSent(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE reminders SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", s.d.time(at), id)
	return s.fail(err, nil)
}

// FailReminder records a failed attempt and frees the reminder's claim, or gives it up.
func (s *Store) FailReminder(ctx context.Context, id int64, at time.Time, reason string, giveUp bool) error {
	var failed any
	if giveUp {
		failed = s.d.time(at)
	}
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := s.exec(ctx, s.db, `UPDATE reminders SET claimed_at = NULL, attempts = attempts + 1, last_error = ?,
		failed_at = ? WHERE id = ?`, reason, failed, id)
	return s.fail(err, nil)
}

// ReminderRecipients returns the active people among ids, or of role when ids is nil, who have
// not turned kind off.
func (s *Store) ReminderRecipients(ctx context.Context, kind crm.ReminderKind, role crm.Role, ids []int64) ([]*crm.User, error) {
	w := where{}
	w.add("u.is_active = ?", true)
	w.add("u.kind = ?", string(crm.KindPerson))
	w.add("NOT EXISTS (SELECT 1 FROM notification_optouts o WHERE o.user_id = u.id AND o.kind = ?)", string(kind))
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		w.add("u.id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", args...)
	} else {
		w.add("u.role = ?", string(role))
	}
	rows, err := s.query(ctx, s.db, "SELECT "+userCols+" FROM users u"+w.sql()+" ORDER BY u.id", w.args...)
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	var out []*crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		out = append(out, u)
	}
	return out, s.fail(rows.Err(), nil)
}

// OverdueContracts returns the contracts with an amount due whose payment was due before day.
func (s *Store) OverdueContracts(ctx context.Context, day crm.Date) ([]*crm.Contract, error) {
	var out []*crm.Contract
	opts := crm.ListOptions{Limit: crm.MaxLimit, Sort: "id"}
	for {
		w := s.contractWhere(crm.ContractFilter{Unpaid: true}, crm.FullAccess, false)
		w.add("k.payment_due < ?", s.d.nullDate(&day))
		page, next, err := list(ctx, s, contractListing, w, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		opts.Cursor = next
	}
}

// NotificationOptOuts returns the kinds of reminders the user turned off.
func (s *Store) NotificationOptOuts(ctx context.Context, userID int64) ([]crm.ReminderKind, error) {
	rows, err := s.query(ctx, s.db, "SELECT kind FROM notification_optouts WHERE user_id = ? ORDER BY kind", userID)
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	var out []crm.ReminderKind
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.fail(err, nil)
		}
		out = append(out, crm.ReminderKind(k))
	}
	return out, s.fail(rows.Err(), nil)
}

// SetNotificationOptOuts replaces the kinds of reminders the user turned off, in one
// transaction.
func (s *Store) SetNotificationOptOuts(ctx context.Context, userID int64, kinds []crm.ReminderKind) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, "DELETE FROM notification_optouts WHERE user_id = ?", userID); err != nil {
			return s.fail(err, nil)
		}
		for _, k := range kinds {
			if _, err := s.exec(ctx, tx, "INSERT INTO notification_optouts (user_id, kind) VALUES (?, ?)", userID, string(k)); err != nil {
				return s.fail(err, &conflicts{foreignKey: crm.Textf("the user no longer exists")})
			}
		}
		return nil
	})
}

// ReminderCursor returns the Seq of the last change the reminders read.
func (s *Store) ReminderCursor(ctx context.Context) (int64, bool, error) {
	var seq int64
	err := s.queryRow(ctx, s.db, "SELECT seq FROM reminder_cursor WHERE id = 1").Scan(&seq)
	if isNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, s.fail(err, nil)
	}
	return seq, true, nil
}

// SetReminderCursor records the Seq of the last change the reminders read; it never moves the
// cursor back (two processes may read the same changes).
func (s *Store) SetReminderCursor(ctx context.Context, seq int64) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO reminder_cursor (id, seq) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq WHERE reminder_cursor.seq < excluded.seq`, seq)
	return s.fail(err, nil)
}
