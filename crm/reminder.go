package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reminders by e-mail: a background use case that, on a schedule, queues the reminders that are
// due (each at most once per kind, record, recipient and day) and then sends the queued ones.
//
// Queueing is exactly-once: a reminder is a row under a unique key, with its message rendered,
// written before anything is sent. Sending is at-least-once within a small window: a sender
// claims a row, hands the message to the SMTP server, then marks it sent; a process that stops
// between the server's acceptance and the mark leaves the claim to expire (ReminderConfig.
// ClaimTimeout), after which another sender sends it again. No other path sends twice.

// ReminderKind is a kind of reminder, which each user can turn off.
type ReminderKind string

// The kinds of reminders.
const (
	// ReminderEventWithoutSupport goes to management for an event coming within
	// ReminderConfig.DaysAhead days that has no support contact.
	ReminderEventWithoutSupport ReminderKind = "event_without_support"
	// ReminderContractUnpaid goes to management for a contract with an amount due past its
	// payment due date.
	ReminderContractUnpaid ReminderKind = "contract_unpaid"
	// ReminderEventTomorrow goes to the support contact of an event that starts tomorrow in the
	// contact's time zone.
	ReminderEventTomorrow ReminderKind = "event_tomorrow"
	// ReminderAssigned goes to a user made the sales contact of a client or contract, or the
	// support contact of an event, by someone else (read from the change log).
	ReminderAssigned ReminderKind = "assigned"
)

// ReminderKinds lists every kind of reminder.
var ReminderKinds = []ReminderKind{ReminderEventWithoutSupport, ReminderContractUnpaid, ReminderEventTomorrow, ReminderAssigned}

// Mail is one e-mail message to one recipient.
type Mail struct {
	To      string
	Subject string
	Body    string // plain text
	// Language is the code of the language of Subject and Body (such as "fr"), "" when unknown.
	Language string
}

// MailSender sends e-mail. The mail adapter implements it over SMTP.
type MailSender interface {
	// Send hands m to the mail server; nil means the server accepted it.
	Send(ctx context.Context, m Mail) error
}

// Reminder is one queued reminder.
type Reminder struct {
	ID       int64
	Kind     ReminderKind
	Resource Resource
	RecordID int64
	UserID   int64
	// Day is the day the reminder is about (the event's day, the payment's due day, the day of
	// the assignment): with the kind, record and recipient it is the key a reminder is sent once
	// under.
	Day      Date
	Mail     Mail
	QueuedAt time.Time
	Attempts int
}

// ReminderStore keeps the reminder queue, the users' choices and the reminders' place in the
// change log. It is shared by every process on the database.
type ReminderStore interface {
	// QueueReminders inserts each reminder unless one with the same kind, resource, record,
	// user and day exists, and returns how many it inserted.
	QueueReminders(ctx context.Context, rs []Reminder) (int, error)
	// ClaimReminders claims at most limit unsent reminders that are unclaimed or whose claim is
	// older than staleBefore, marking them claimed at now, and returns them. A reminder is
	// claimed by one caller at a time, across processes.
	ClaimReminders(ctx context.Context, now, staleBefore time.Time, limit int) ([]Reminder, error)
	// MarkReminderSent records that the reminder with id was sent at the given time.
	MarkReminderSent(ctx context.Context, id int64, at time.Time) error
	// FailReminder records a failed attempt to send the reminder with id and frees its claim;
	// with giveUp set, it is never tried again.
	FailReminder(ctx context.Context, id int64, at time.Time, reason string, giveUp bool) error
	// ReminderRecipients returns the active people (not service accounts) among ids, or of role
	// when ids is nil, who have not turned kind off, in id order.
	ReminderRecipients(ctx context.Context, kind ReminderKind, role Role, ids []int64) ([]*User, error)
	// OverdueContracts returns the contracts with an amount due whose payment was due before day.
	OverdueContracts(ctx context.Context, day Date) ([]*Contract, error)
	// NotificationOptOuts returns the kinds of reminders the user with id turned off.
	NotificationOptOuts(ctx context.Context, userID int64) ([]ReminderKind, error)
	// SetNotificationOptOuts replaces the kinds of reminders the user with id turned off.
	SetNotificationOptOuts(ctx context.Context, userID int64, kinds []ReminderKind) error
	// ReminderCursor returns the Seq of the last change the reminders read, and false when
	// they never read any.
	ReminderCursor(ctx context.Context) (int64, bool, error)
	// SetReminderCursor records the Seq of the last change the reminders read.
	SetReminderCursor(ctx context.Context, seq int64) error
}

// NotificationSettings tells, for each kind of reminder, whether a user receives it.
type NotificationSettings map[ReminderKind]bool

// NotificationSettings returns which reminders the caller receives (every kind, on unless
// turned off).
func (s *Service) NotificationSettings(ctx context.Context) (NotificationSettings, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if s.reminders == nil {
		return nil, Errorf(EUNAVAILABLE, "reminders are not available: the store does not keep them")
	}
	off, err := s.reminders.NotificationOptOuts(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out := NotificationSettings{}
	for _, k := range ReminderKinds {
		out[k] = !slices.Contains(off, k)
	}
	return out, nil
}

// SetNotificationSettings changes which reminders the caller receives: kinds absent from in
// keep their setting; an unknown kind is refused (EINVALID) and nothing changes.
func (s *Service) SetNotificationSettings(ctx context.Context, in NotificationSettings) (NotificationSettings, error) {
	cur, err := s.NotificationSettings(ctx)
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	for k, on := range in {
		if !slices.Contains(ReminderKinds, k) {
			fe.add(string(k), FieldUnknown, "is not a kind of reminder: the kinds are %s", joinKinds())
			continue
		}
		cur[k] = on
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var off []ReminderKind
	for _, k := range ReminderKinds {
		if !cur[k] {
			off = append(off, k)
		}
	}
	a, _ := actor(ctx)
	if err := s.reminders.SetNotificationOptOuts(ctx, a.ID, off); err != nil {
		return nil, err
	}
	return cur, nil
}

func joinKinds() string {
	out := ""
	for i, k := range ReminderKinds {
		if i > 0 {
			out += ", "
		}
		out += string(k)
	}
	return out
}

// ReminderConfig sets the schedule of the reminders. Zero fields take their defaults.
type ReminderConfig struct {
	// DaysAhead is how many days ahead an event without support is reminded of (default 7).
	DaysAhead int
	// Every is the time between two runs (default 5 minutes).
	Every time.Duration
	// ClaimTimeout is how long a claimed reminder stays with its sender before another may take
	// it (default 10 minutes): the window in which a reminder may be sent twice.
	ClaimTimeout time.Duration
	// MaxAttempts is how many failed sends a reminder gets before it is given up (default 5).
	MaxAttempts int
	// Batch is how many reminders a run claims at a time (default 50).
	Batch int

	// Language is the code of the language (one of ReminderLanguages) a reminder is written in
	// for a recipient who saved none in their preferences; "" means English.
	Language string
	// TimeZone is the IANA name of the zone a reminder writes times in for a recipient who
	// chose none; "" means UTC.
	TimeZone string
	// Preferences gives each recipient's saved language and time zone; nil means every
	// recipient gets Language and TimeZone.
	Preferences PreferenceStore
}

func (c ReminderConfig) withDefaults() ReminderConfig {
	if c.DaysAhead <= 0 {
		c.DaysAhead = 7
	}
	if c.Every <= 0 {
		c.Every = 5 * time.Minute
	}
	if c.ClaimTimeout <= 0 {
		c.ClaimTimeout = 10 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	return c
}

// Reminders queues and sends the reminders of a Service. Build it with Service.Reminders; run
// it with Run (or one round with RunOnce).
type Reminders struct {
	svc   *Service
	mail  MailSender
	cfg   ReminderConfig
	texts map[string]*reminderTexts // by language
	zone  *time.Location            // ReminderConfig.TimeZone
}

// Reminders returns the reminders of s, sent through mail. It fails when the store keeps no
// reminders, or ReminderConfig names a language or time zone it does not know.
func (s *Service) Reminders(mail MailSender, cfg ReminderConfig) (*Reminders, error) {
	if s.reminders == nil {
		return nil, errors.New("crm: reminders need a store that keeps them (crm.Deps.Reminders)")
	}
	if mail == nil {
		return nil, errors.New("crm: reminders need a MailSender")
	}
	if cfg.Language == "" {
		cfg.Language = ReminderLanguages[0]
	}
	if !slices.Contains(ReminderLanguages, cfg.Language) {
		return nil, fmt.Errorf("crm: reminders are written in %s, not in %q: set ReminderConfig.Language to one of them",
			strings.Join(ReminderLanguages, " or "), cfg.Language)
	}
	zone := time.UTC
	if cfg.TimeZone != "" {
		z, err := time.LoadLocation(cfg.TimeZone)
		if err != nil || strings.TrimSpace(cfg.TimeZone) != cfg.TimeZone {
			return nil, fmt.Errorf("crm: ReminderConfig.TimeZone %q is not a time zone: use an IANA name such as Europe/Paris or UTC",
				cfg.TimeZone)
		}
		zone = z
	}
	return &Reminders{svc: s, mail: mail, cfg: cfg.withDefaults(), texts: defaultReminderTexts, zone: zone}, nil
}

// round is what one round of the reminders knows: its time, and the language and time zone of
// each recipient met so far (their preferences are read once a round).
type round struct {
	now     time.Time
	readers map[int64]reader
}

// reader is how a recipient reads their reminders.
type reader struct {
	texts *reminderTexts
	zone  *time.Location
}

// readerOf returns how u reads reminders: the language and time zone of their preferences,
// each else the configuration's.
func (r *Reminders) readerOf(ctx context.Context, rd *round, u *User) (reader, error) {
	if rr, ok := rd.readers[u.ID]; ok {
		return rr, nil
	}
	rr := reader{texts: r.texts[r.cfg.Language], zone: r.zone}
	if r.cfg.Preferences != nil {
		p, err := r.cfg.Preferences.FindPreferences(ctx, u.ID)
		if err != nil {
			return reader{}, err
		}
		if t, ok := r.texts[p.Language]; ok {
			rr.texts = t
		}
		if p.TimeZone != "" {
			if z, err := time.LoadLocation(p.TimeZone); err == nil {
				rr.zone = z
			}
		}
	}
	rd.readers[u.ID] = rr
	return rr, nil
}

// Run runs a round at once, then every ReminderConfig.Every, until ctx ends. A round that fails
// is reported to onError (when not nil) and the next round tries again.
func (r *Reminders) Run(ctx context.Context, onError func(error)) {
	t := time.NewTicker(r.cfg.Every)
	defer t.Stop()
	for {
		if err := r.RunOnce(ctx); err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce queues the reminders due now and sends the queued ones. It is idempotent: running it
// again, in this process or another, queues nothing twice.
func (r *Reminders) RunOnce(ctx context.Context) error {
	rd := &round{now: r.svc.clock(), readers: map[int64]reader{}}
	var errs []error
	for _, queue := range []func(context.Context, *round) ([]Reminder, error){
		r.eventsWithoutSupport, r.eventsTomorrow, r.unpaidContracts, r.assignments,
	} {
		rs, err := queue(ctx, rd)
		if err == nil && len(rs) > 0 {
			_, err = r.svc.reminders.QueueReminders(ctx, rs)
		}
		errs = append(errs, err)
	}
	errs = append(errs, r.deliver(ctx))
	return errors.Join(errs...)
}

// deliver sends the queued reminders, a batch at a time.
func (r *Reminders) deliver(ctx context.Context) error {
	for {
		now := r.svc.clock()
		batch, err := r.svc.reminders.ClaimReminders(ctx, now, now.Add(-r.cfg.ClaimTimeout), r.cfg.Batch)
		if err != nil || len(batch) == 0 {
			return err
		}
		var failed error
		for _, rm := range batch {
			rm.Mail.Language = mailLanguage(r.texts, rm.Mail)
			if err := r.mail.Send(ctx, rm.Mail); err != nil {
				giveUp := rm.Attempts+1 >= r.cfg.MaxAttempts
				failed = fmt.Errorf("sending the %s reminder %d: %w", rm.Kind, rm.ID, err)
				if ferr := r.svc.reminders.FailReminder(ctx, rm.ID, r.svc.clock(), err.Error(), giveUp); ferr != nil {
					return errors.Join(failed, ferr)
				}
				continue
			}
			if err := r.svc.reminders.MarkReminderSent(ctx, rm.ID, r.svc.clock()); err != nil {
				return err
			}
		}
		if failed != nil {
			// The server refused something: leave the rest to the next round.
			return failed
		}
	}
}

// queueFor returns one reminder per recipient, each in the recipient's language and zone.
func (r *Reminders) queueFor(ctx context.Context, rd *round, users []*User, kind ReminderKind, res Resource, id int64,
	day Date, data any) ([]Reminder, error) {
	var out []Reminder
	for _, u := range users {
		rr, err := r.readerOf(ctx, rd, u)
		if err != nil {
			return nil, err
		}
		m, err := rr.texts.render(kind, u, rr.zone, data)
		if err != nil {
			return nil, err
		}
		out = append(out, Reminder{Kind: kind, Resource: res, RecordID: id, UserID: u.ID, Day: day, Mail: m,
			QueuedAt: r.svc.clock()})
	}
	return out, nil
}

// allEvents lists every event matching f, every page.
func (r *Reminders) allEvents(ctx context.Context, f EventFilter) ([]*Event, error) {
	var out []*Event
	f.ListOptions = ListOptions{Limit: MaxLimit, Sort: "event_date"}
	for {
		page, next, err := r.svc.events.ListEvents(ctx, f, FullAccess)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// eventsWithoutSupport reminds management of the open events without support within DaysAhead.
func (r *Reminders) eventsWithoutSupport(ctx context.Context, rd *round) ([]Reminder, error) {
	now := rd.now
	to := now.AddDate(0, 0, r.cfg.DaysAhead)
	events, err := r.allEvents(ctx, EventFilter{Unassigned: true, From: &now, To: &to, Status: EventOpen})
	if err != nil || len(events) == 0 {
		return nil, err
	}
	managers, err := r.svc.reminders.ReminderRecipients(ctx, ReminderEventWithoutSupport, RoleManagement, nil)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, e := range events {
		rs, err := r.queueFor(ctx, rd, managers, ReminderEventWithoutSupport, ResourceEvent, e.ID, DateOf(e.EventDate), e)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// eventsTomorrow reminds each support contact of their open events that start tomorrow in the
// contact's time zone (their preference, else ReminderConfig.TimeZone). Zones run from UTC-12
// to UTC+14, so tomorrow anywhere lies within the UTC days from today to the day after
// tomorrow: the events of those days are read, and each goes to the contacts in whose zone it
// falls tomorrow, keyed by that day.
func (r *Reminders) eventsTomorrow(ctx context.Context, rd *round) ([]Reminder, error) {
	from := DateOf(rd.now).Time()
	to := from.AddDate(0, 0, 3)
	events, err := r.allEvents(ctx, EventFilter{From: &from, To: &to, Status: EventOpen})
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, e := range events {
		if e.SupportContactID == nil {
			continue
		}
		users, err := r.svc.reminders.ReminderRecipients(ctx, ReminderEventTomorrow, "", []int64{*e.SupportContactID})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			rr, err := r.readerOf(ctx, rd, u)
			if err != nil {
				return nil, err
			}
			today := rd.now.In(rr.zone)
			tomorrow := DateOf(time.Date(today.Year(), today.Month(), today.Day()+1, 12, 0, 0, 0, rr.zone))
			if DateOf(e.EventDate.In(rr.zone)) != tomorrow {
				continue
			}
			rs, err := r.queueFor(ctx, rd, []*User{u}, ReminderEventTomorrow, ResourceEvent, e.ID, tomorrow, e)
			if err != nil {
				return nil, err
			}
			out = append(out, rs...)
		}
	}
	return out, nil
}

// unpaidContracts reminds management of the contracts unpaid past their due day, once per due
// day.
func (r *Reminders) unpaidContracts(ctx context.Context, rd *round) ([]Reminder, error) {
	contracts, err := r.svc.reminders.OverdueContracts(ctx, DateOf(rd.now))
	if err != nil || len(contracts) == 0 {
		return nil, err
	}
	managers, err := r.svc.reminders.ReminderRecipients(ctx, ReminderContractUnpaid, RoleManagement, nil)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, k := range contracts {
		rs, err := r.queueFor(ctx, rd, managers, ReminderContractUnpaid, ResourceContract, k.ID, *k.PaymentDue, k)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}
