package crm

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// A live stream of changes tells each subscriber of the writes to the records inside their
// current read scope, and of those leaving it. One Feed per process reads the change log and
// fans each committed change out to its subscriptions; each subscriber's Stream then decides,
// change by change and through the same store reads (and so the same scope SQL) as GetClient and
// the like, what that subscriber may see of it:
//
//   - a record the subscriber may read now comes as the change's type with the record as they
//     would read it now (StreamItem.Record);
//   - a record they may not read now comes as StreamRemoved (id only) when they could see it
//     before: it was sent on this stream, or the change's Before snapshot was in their read scope
//     by the same rule (any, own, self, or an event assigned to them);
//   - anything else sends nothing at all: no id, no type, no timing.

// StreamRemoved is the Type of a StreamItem telling a subscriber that a record they could see
// was deleted or left their read scope.
const StreamRemoved = "removed"

// StreamItem is one change as one subscriber may see it.
type StreamItem struct {
	// Seq is the change's position in the change log: the stream's resume point.
	Seq int64
	// Type is the change type (a ChangeType), or StreamRemoved.
	Type     string
	Resource Resource
	ID       int64
	// Record is the record as the subscriber reads it now (*User, *Client, *Contract or *Event);
	// nil for StreamRemoved.
	Record any
}

// The errors that end a stream. Each tells the client what to do.
var (
	// ErrStreamExpired ends a stream asked to resume from a change the log no longer keeps (or
	// never had): the client must reload what it shows and open a new stream without a resume point.
	ErrStreamExpired error = &Error{Code: ECONFLICT,
		Message: "the changes after this event id are no longer kept: reload the list and open the stream again without Last-Event-ID"}
	// ErrStreamBehind ends the stream of a subscriber that fell too far behind the change log.
	ErrStreamBehind error = &Error{Code: EBUSY, RetryAfter: time.Second,
		Message: "the stream fell behind the changes: reconnect with Last-Event-ID, or reload"}
	// ErrStreamClosed ends every stream when the process stops serving them.
	ErrStreamClosed error = &Error{Code: EUNAVAILABLE,
		Message: "the server is stopping its streams: reconnect with Last-Event-ID"}
)

// FeedConfig sets how a Feed reads the change log. Zero fields take the default given on each.
type FeedConfig struct {
	// Poll is how often the change log is read (default 500ms); Feed.Notify reads it at once.
	Poll time.Duration
	// Batch is the most changes read by one query (default 500).
	Batch int
	// Buffer is how many changes one subscription may hold before its subscriber has taken
	// them; a subscriber further behind is disconnected with ErrStreamBehind (default 1024).
	Buffer int
	// MaxPerUser is how many streams one user may have open at once (default 5).
	MaxPerUser int
	// OnError, when set, is told of each failed read of the change log (the Feed retries at
	// the next poll).
	OnError func(error)
}

// Defaults of FeedConfig.
const (
	DefaultFeedPoll       = 500 * time.Millisecond
	DefaultFeedBatch      = 500
	DefaultFeedBuffer     = 1024
	DefaultFeedMaxPerUser = 5
)

func (c FeedConfig) withDefaults() FeedConfig {
	if c.Poll <= 0 {
		c.Poll = DefaultFeedPoll
	}
	if c.Batch <= 0 {
		c.Batch = DefaultFeedBatch
	}
	if c.Buffer <= 0 {
		c.Buffer = DefaultFeedBuffer
	}
	if c.MaxPerUser <= 0 {
		c.MaxPerUser = DefaultFeedMaxPerUser
	}
	return c
}

// Feed is a process's one reader of the change log: it polls the log and hands each new change
// to every subscription, so that a thousand streams cost one query per poll, not a thousand. It
// holds no record: what each subscriber may see is decided by its Stream. Build it with NewFeed,
// Start it and Close it when the process stops serving streams. It is safe for concurrent use.
type Feed struct {
	log     ChangeLog
	cfg     FeedConfig
	mu      sync.Mutex
	last    int64
	started bool
	closed  bool
	subs    map[*Subscription]struct{}
	perUser map[int64]int
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// NewFeed returns a Feed over log. It does no I/O: call Start.
func NewFeed(log ChangeLog, cfg FeedConfig) *Feed {
	return &Feed{log: log, cfg: cfg.withDefaults(), subs: map[*Subscription]struct{}{}, perUser: map[int64]int{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// Log returns the change log the Feed reads.
func (f *Feed) Log() ChangeLog { return f.log }

// Start reads the newest change's Seq, from which the Feed hands out changes, and starts polling
// the log until Close. It returns an error when the log cannot be read, or when called twice.
func (f *Feed) Start(ctx context.Context) error {
	last, err := f.log.LastChangeSeq(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started || f.closed {
		return Errorf(ECONFLICT, "the feed was already started or closed")
	}
	f.started, f.last = true, last
	go f.run()
	return nil
}

// Notify makes the Feed read the change log now rather than at its next poll.
func (f *Feed) Notify() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Close stops polling and ends every subscription with ErrStreamClosed. Closing twice does nothing.
func (f *Feed) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	started := f.started
	for s := range f.subs {
		f.dropLocked(s, ErrStreamClosed)
	}
	close(f.stop)
	f.mu.Unlock()
	if started {
		<-f.done
	}
}

// Subscribers returns how many subscriptions are open.
func (f *Feed) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *Feed) run() {
	defer close(f.done)
	t := time.NewTicker(f.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		case <-f.wake:
		}
		f.poll()
	}
}

// poll reads every change after the last one handed out and hands them out.
func (f *Feed) poll() {
	for {
		f.mu.Lock()
		after := f.last
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		changes, err := f.log.ChangesAfter(ctx, after, f.cfg.Batch)
		cancel()
		if err != nil {
			if f.cfg.OnError != nil {
				f.cfg.OnError(err)
			}
			return
		}
		f.publish(changes)
		if len(changes) < f.cfg.Batch {
			return
		}
	}
}

// publish hands changes to every subscription, dropping those whose buffer is full.
func (f *Feed) publish(changes []Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range changes {
		if c.Seq <= f.last {
			continue
		}
		f.last = c.Seq
		for s := range f.subs {
			select {
			case s.ch <- c:
			default:
				f.dropLocked(s, ErrStreamBehind)
			}
		}
	}
}

// Subscription is one subscriber's share of a Feed: the changes committed after Start, as the
// Feed reads them. Close it when done.
type Subscription struct {
	feed  *Feed
	user  int64
	start int64
	ch    chan Change
	done  chan struct{}
	err   error
}

// Subscribe opens a subscription for the user with id userID. It returns ETHROTTLED when the
// user already has FeedConfig.MaxPerUser open, and ErrStreamClosed once the Feed is closed.
func (f *Feed) Subscribe(userID int64) (*Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || !f.started {
		return nil, ErrStreamClosed
	}
	if f.perUser[userID] >= f.cfg.MaxPerUser {
		return nil, &Error{Code: ETHROTTLED, RetryAfter: 10 * time.Second,
			Message: "you already have the most live streams open at once; close one (another tab or program) and try again"}
	}
	s := &Subscription{feed: f, user: userID, start: f.last, ch: make(chan Change, f.cfg.Buffer), done: make(chan struct{})}
	f.subs[s] = struct{}{}
	f.perUser[userID]++
	return s, nil
}

// Start returns the Seq after which the subscription receives the changes.
func (s *Subscription) Start() int64 { return s.start }

// Close ends the subscription. Closing twice does nothing.
func (s *Subscription) Close() {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	s.feed.dropLocked(s, nil)
}

// dropLocked ends s with err (nil: closed by its subscriber). f.mu is held.
func (f *Feed) dropLocked(s *Subscription, err error) {
	if _, ok := f.subs[s]; !ok {
		return
	}
	delete(f.subs, s)
	if f.perUser[s.user]--; f.perUser[s.user] <= 0 {
		delete(f.perUser, s.user)
	}
	s.err = err
	close(s.done)
}

// maxSeen bounds the records a Stream remembers having sent; beyond it, a record that leaves the
// scope is still announced when its Before snapshot was in the scope.
const maxSeen = 10_000

// streamResources are the resources a stream tells of.
var streamResources = []Resource{ResourceUser, ResourceClient, ResourceContract, ResourceEvent}

type seenKey struct {
	res Resource
	id  int64
}

// Stream is one subscriber's live view of the changes: Next returns, one at a time, what the
// subscriber may see of each change (see StreamItem), first those after the resume point that the
// change log still keeps, then the live ones. It is not safe for concurrent use; Close it when done.
type Stream struct {
	svc     *Service
	actor   *User
	sub     *Subscription
	log     ChangeLog
	batch   int
	after   int64 // the last change handled
	catchUp bool  // whether changes up to sub.start remain to be read from the log
	pending []Change
	seen    map[seenKey]struct{}
}

// ChangeHorizon is what a ChangeLog that drops old changes may also tell: the Seq of the oldest
// change it still keeps (0 when it keeps none), so that a stream can tell a resume point that
// is too old to resume from.
type ChangeHorizon interface {
	OldestChangeSeq(ctx context.Context) (int64, error)
}

// OpenStream subscribes the actor of ctx to feed. With resume, the stream starts after the
// change lastID (the last event id the client received) and first replays the changes after
// it, or ends at once with ErrStreamExpired when the log no longer keeps them; otherwise it
// starts with the next change. Returns EUNAUTHORIZED without an active actor and the errors of
// Feed.Subscribe.
func (s *Service) OpenStream(ctx context.Context, feed *Feed, lastID int64, resume bool) (*Stream, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := feed.Subscribe(a.ID)
	if err != nil {
		return nil, err
	}
	st := &Stream{svc: s, actor: a, sub: sub, log: feed.log, batch: feed.cfg.Batch, after: sub.start,
		seen: map[seenKey]struct{}{}}
	// The Feed may not have read the newest changes yet: a new stream starts after them, and a
	// resume point among them (given by another process's stream) is no reason to reload.
	last, err := feed.log.LastChangeSeq(ctx)
	if err == nil && resume {
		err = st.resumeFrom(ctx, lastID, last)
	} else if err == nil {
		st.after = max(st.after, last)
	}
	if err != nil {
		sub.Close()
		return nil, err
	}
	return st, nil
}

// resumeFrom sets the stream to replay the changes after lastID, when the log keeps them. last
// is the newest change in the log.
func (st *Stream) resumeFrom(ctx context.Context, lastID, last int64) error {
	if lastID < 0 || lastID > max(last, st.sub.start) {
		return ErrStreamExpired
	}
	if h, ok := st.log.(ChangeHorizon); ok && lastID < st.sub.start {
		oldest, err := h.OldestChangeSeq(ctx)
		if err != nil {
			return err
		}
		if oldest == 0 || lastID+1 < oldest {
			return ErrStreamExpired
		}
	}
	st.after, st.catchUp = lastID, lastID < st.sub.start
	return nil
}

// Close ends the stream's subscription.
func (st *Stream) Close() { st.sub.Close() }

// Position returns the Seq of the last change the stream handled, shown or not.
func (st *Stream) Position() int64 { return st.after }

// Next returns the next change the subscriber may see, waiting for one. It returns ctx's error
// when ctx ends, ErrStreamBehind or ErrStreamClosed when the Feed ended the subscription, and
// the store's error when a read fails (the client resumes from the last item's Seq).
func (st *Stream) Next(ctx context.Context) (StreamItem, error) {
	for {
		if len(st.pending) > 0 {
			c := st.pending[0]
			item, ok, err := st.svc.streamItem(ctx, st, c)
			if err != nil {
				return StreamItem{}, err
			}
			st.pending, st.after = st.pending[1:], c.Seq
			if ok {
				return item, nil
			}
			continue
		}
		if st.catchUp {
			if err := st.readBacklog(ctx); err != nil {
				return StreamItem{}, err
			}
			continue
		}
		select {
		case c := <-st.sub.ch:
			if c.Seq > st.after {
				st.pending = append(st.pending, c)
			}
		case <-st.sub.done:
			if st.sub.err == nil {
				return StreamItem{}, ErrStreamClosed
			}
			return StreamItem{}, st.sub.err
		case <-ctx.Done():
			return StreamItem{}, ctx.Err()
		}
	}
}

// readBacklog reads the next changes the subscription will not deliver (those up to its start).
func (st *Stream) readBacklog(ctx context.Context) error {
	changes, err := st.log.ChangesAfter(ctx, st.after, st.batch)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if c.Seq > st.sub.start {
			st.catchUp = false
			break
		}
		st.pending = append(st.pending, c)
	}
	if len(changes) < st.batch || len(st.pending) == 0 {
		st.catchUp = false
	}
	return nil
}

// streamItem decides what the stream's subscriber may see of c: the record as they read it now,
// StreamRemoved when they may not read it now but could see it before, or nothing (ok false).
// The read is the one GetClient and the like make, under the current policy.
func (s *Service) streamItem(ctx context.Context, st *Stream, c Change) (item StreamItem, ok bool, err error) {
	if !slices.Contains(streamResources, c.Resource) {
		return StreamItem{}, false, nil
	}
	key := seenKey{c.Resource, c.ResourceID}
	vis := s.visibility(st.actor, c.Resource, ActionRead)
	item = StreamItem{Seq: c.Seq, Type: c.Type, Resource: c.Resource, ID: c.ResourceID}
	if !vis.None() {
		rec, err := s.find(ctx, c.Resource, c.ResourceID, vis)
		switch {
		case err == nil:
			if len(st.seen) < maxSeen {
				st.seen[key] = struct{}{}
			}
			item.Record = rec
			return item, true, nil
		case ErrorCode(err) != ENOTFOUND:
			return StreamItem{}, false, err
		}
	}
	_, sent := st.seen[key]
	if !sent && !snapshotWithin(vis, c.Resource, c.Before) {
		return StreamItem{}, false, nil
	}
	delete(st.seen, key)
	item.Type = StreamRemoved
	return item, true, nil
}

// snapshotWithin reports whether a record's JSON snapshot (as the change log holds it) was
// within vis by what the snapshot itself shows: every record for Any, the sales contact for
// OwnerID, an event's support contact for SupportID, the user's own record for SelfID. A client or
// contract reached through an event assigned to the subscriber is not told by its snapshot; such
// a record is announced as removed only when this stream sent it.
func snapshotWithin(vis Visibility, res Resource, raw json.RawMessage) bool {
	var snap struct {
		ID               int64  `json:"id"`
		SalesContactID   *int64 `json:"sales_contact_id"`
		SupportContactID *int64 `json:"support_contact_id"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &snap) != nil || snap.ID == 0 {
		return false
	}
	same := func(a, b *int64) bool { return a != nil && b != nil && *a == *b }
	switch {
	case vis.Any:
		return true
	case res == ResourceUser:
		return vis.SelfID != nil && *vis.SelfID == snap.ID
	case same(vis.OwnerID, snap.SalesContactID):
		return true
	case res == ResourceEvent && same(vis.SupportID, snap.SupportContactID):
		return true
	}
	return false
}
