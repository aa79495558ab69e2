package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// CalendarStore keeps the secrets of the users' private calendar feeds, hashed: the secret in a
// feed's URL is its only credential, and the store never sees it.
type CalendarStore interface {
	// SetCalendarSecret makes hash the one feed secret of the user with id userID, replacing
	// any earlier one. Returns ENOTFOUND when there is no such user.
	SetCalendarSecret(ctx context.Context, userID int64, hash []byte, at time.Time) error
	// DeleteCalendarSecret removes the user's feed secret, and reports whether there was one.
	DeleteCalendarSecret(ctx context.Context, userID int64) (bool, error)
	// FindCalendarOwner returns the id of the user whose feed secret hashes to hash, ENOTFOUND
	// when none does.
	FindCalendarOwner(ctx context.Context, hash []byte) (int64, error)
	// CalendarCreated returns when the user's feed secret was made, nil when there is none.
	CalendarCreated(ctx context.Context, userID int64) (*time.Time, error)
}

// Settings of calendar feeds.
const (
	// CalendarPast is how far back a feed lists events: those that started earlier are left out.
	CalendarPast = 366 * 24 * time.Hour
	// CalendarCancelledFor is how long a deleted event stays in a feed as cancelled, so that
	// calendars that poll it remove the event.
	CalendarCancelledFor = 30 * 24 * time.Hour
	// CalendarMaxEvents bounds the events of one feed, the nearest first.
	CalendarMaxEvents = 5000
	// calendarSecretPrefix starts every feed secret, so that one found in a log is recognised.
	calendarSecretPrefix = "cal_"
)

// Calendars are the users' private iCalendar feeds: each user who may read events can have one
// secret feed URL, listing the events they may read under the current policy. Build it with
// NewCalendars. It is safe for concurrent use.
type Calendars struct {
	svc     *Service
	store   CalendarStore
	changes ChangeLog // nil: no cancelled events

	mu      sync.Mutex
	pos     int64          // the change log read up to here
	deleted []DeletedEvent // the events deleted within CalendarCancelledFor, oldest first
	seen    map[int64]bool // ids in deleted
}

// DeletedEvent is an event deleted recently, as the change log remembers it: a feed lists it as
// cancelled to those who could read it.
type DeletedEvent struct {
	Event     Event
	DeletedAt time.Time
	before    json.RawMessage
}

// CalendarFeed is what one feed serves: its owner and the events they may read now, and the ones
// deleted recently that they could read.
type CalendarFeed struct {
	Owner     *User
	Events    []*Event
	Cancelled []DeletedEvent
}

// NewCalendars returns the calendar feeds of svc's users, their secrets kept in store; changes,
// when not nil, is read for the events deleted recently.
func NewCalendars(svc *Service, store CalendarStore, changes ChangeLog) *Calendars {
	return &Calendars{svc: svc, store: store, changes: changes, seen: map[int64]bool{}}
}

// HashCalendarSecret returns the hash a CalendarStore keeps of a feed secret.
func HashCalendarSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Issue makes a new feed secret for the actor of ctx, replacing (and so revoking) any earlier
// one, and returns it: it is shown this once and never stored. Returns EFORBIDDEN for a user
// who may read no event.
func (c *Calendars) Issue(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", err
	}
	if !c.svc.allowed(a, ResourceEvent, ActionRead) {
		return "", Errorf(EFORBIDDEN, "you may read no event, so you have no calendar to publish")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Internal(err)
	}
	secret := calendarSecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	if err := c.store.SetCalendarSecret(ctx, a.ID, HashCalendarSecret(secret), c.svc.clock()); err != nil {
		return "", err
	}
	return secret, nil
}

// Revoke ends the actor's feed: its URL answers 404 from now on. Returns ENOTFOUND when the
// actor has no feed.
func (c *Calendars) Revoke(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	had, err := c.store.DeleteCalendarSecret(ctx, a.ID)
	if err != nil {
		return err
	}
	if !had {
		return Errorf(ENOTFOUND, "you have no calendar feed to revoke")
	}
	return nil
}

// Created returns when the actor's feed secret was made, nil when they have none.
func (c *Calendars) Created(ctx context.Context) (*time.Time, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return c.store.CalendarCreated(ctx, a.ID)
}

// Feed returns the feed whose secret is secret: the events its owner may read now, under the
// current policy, from CalendarPast ago on (at most CalendarMaxEvents, the earliest first), and
// the events deleted within CalendarCancelledFor that the owner could read. An unknown or revoked
// secret, like the feed of a deactivated user, is ENOTFOUND.
func (c *Calendars) Feed(ctx context.Context, secret string) (*CalendarFeed, error) {
	notFound := Errorf(ENOTFOUND, "no such calendar feed: it may have been revoked or replaced; get its new address")
	if !strings.HasPrefix(secret, calendarSecretPrefix) || len(secret) > 100 {
		return nil, notFound
	}
	id, err := c.store.FindCalendarOwner(ctx, HashCalendarSecret(secret))
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	owner, err := c.svc.users.FindUser(ctx, id, Everything)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !owner.IsActive) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	feed := &CalendarFeed{Owner: owner}
	as := NewContext(ctx, owner)
	from := c.svc.clock().Add(-CalendarPast)
	f := EventFilter{From: &from, ListOptions: ListOptions{Limit: MaxLimit, Sort: "event_date"}}
	for len(feed.Events) < CalendarMaxEvents {
		page, next, err := c.svc.ListEvents(as, f)
		if err != nil {
			return nil, err
		}
		feed.Events = append(feed.Events, page...)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(feed.Events) > CalendarMaxEvents {
		feed.Events = feed.Events[:CalendarMaxEvents]
	}
	vis := c.svc.visibility(owner, ResourceEvent, ActionRead)
	deleted, err := c.recentlyDeleted(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range deleted {
		if snapshotWithin(vis, ResourceEvent, d.before) {
			feed.Cancelled = append(feed.Cancelled, d)
		}
	}
	return feed, nil
}

// recentlyDeleted reads the change log from where it was last read and returns the events
// deleted within CalendarCancelledFor.
func (c *Calendars) recentlyDeleted(ctx context.Context) ([]DeletedEvent, error) {
	if c.changes == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		changes, err := c.changes.ChangesAfter(ctx, c.pos, DefaultFeedBatch)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			c.pos = ch.Seq
			if ch.Resource != ResourceEvent || !strings.HasSuffix(ch.Type, ".deleted") || c.seen[ch.ResourceID] {
				continue
			}
			d := DeletedEvent{DeletedAt: ch.At, before: ch.Before}
			if json.Unmarshal(ch.Before, &d.Event) != nil || d.Event.ID == 0 {
				continue
			}
			c.deleted = append(c.deleted, d)
			c.seen[ch.ResourceID] = true
		}
		if len(changes) < DefaultFeedBatch {
			break
		}
	}
	cutoff := c.svc.clock().Add(-CalendarCancelledFor)
	n := 0
	for n < len(c.deleted) && c.deleted[n].DeletedAt.Before(cutoff) {
		delete(c.seen, c.deleted[n].Event.ID)
		n++
	}
	c.deleted = c.deleted[n:]
	return append([]DeletedEvent(nil), c.deleted...), nil
}
