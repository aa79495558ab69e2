package crm_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// memLog is a change log in memory, with a retention horizon the test sets.
type memLog struct {
	mu      sync.Mutex
	changes []crm.Change
	oldest  int64 // the oldest Seq kept; 0: from the first
	fail    error
}

func (l *memLog) ChangesAfter(_ context.Context, after int64, limit int) ([]crm.Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return nil, l.fail
	}
	var out []crm.Change
	for _, c := range l.changes {
		if c.Seq > after && c.Seq >= l.oldest && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (l *memLog) LastChangeSeq(context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.changes) == 0 {
		return 0, nil
	}
	return l.changes[len(l.changes)-1].Seq, nil
}

func (l *memLog) OldestChangeSeq(context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.changes {
		if c.Seq >= l.oldest {
			return c.Seq, nil
		}
	}
	return 0, nil
}

// add appends a change of typ to res id, with the JSON of before and after (nil: null).
func (l *memLog) add(t *testing.T, typ string, res crm.Resource, id int64, before, after any) {
	t.Helper()
	b, err := json.Marshal(before)
	require.NoError(t, err)
	a, err := json.Marshal(after)
	require.NoError(t, err)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, crm.Change{Seq: int64(len(l.changes)*2 + 1), Type: typ, Resource: res, ResourceID: id,
		Before: b, Record: a, At: time.Now().UTC()})
}

// streamWorld is a world with a change log and a started Feed.
type streamWorld struct {
	*world
	log  *memLog
	feed *crm.Feed
}

func newStreamWorld(t *testing.T, cfg crm.FeedConfig) *streamWorld {
	w := &streamWorld{world: newWorld(t), log: &memLog{}}
	cfg.Poll = time.Hour // the test wakes the feed with Notify
	w.feed = crm.NewFeed(w.log, cfg)
	require.NoError(t, w.feed.Start(context.Background()))
	t.Cleanup(w.feed.Close)
	return w
}

func (w *streamWorld) open(t *testing.T, ctx context.Context) *crm.Stream {
	t.Helper()
	st, err := w.svc.OpenStream(ctx, w.feed, 0, false)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st
}

// next returns the stream's next item, failing after a while.
func next(t *testing.T, st *crm.Stream) crm.StreamItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	item, err := st.Next(ctx)
	require.NoError(t, err)
	return item
}

// updateClient changes a client as ctx and records the change.
func (w *streamWorld) updateClient(t *testing.T, ctx context.Context, id int64, in crm.ClientInput, typ string) {
	t.Helper()
	before, err := w.svc.GetClient(w.ctxM, id)
	require.NoError(t, err)
	after, err := w.svc.UpdateClient(ctx, id, in, 0)
	require.NoError(t, err)
	w.log.add(t, typ, crm.ResourceClient, id, before, after)
	w.feed.Notify()
}

// newClient creates a client as ctx and records the change.
func (w *streamWorld) newClient(t *testing.T, ctx context.Context, name string) *crm.Client {
	t.Helper()
	c, err := w.svc.CreateClient(ctx, crm.ClientInput{FirstName: crm.Some(name), LastName: crm.Some("Doe"),
		Email: crm.Some(name + "@client.example")})
	require.NoError(t, err)
	w.log.add(t, crm.ChangeClientCreated, crm.ResourceClient, c.ID, nil, c)
	w.feed.Notify()
	return c
}

func TestStreamShowsSalesOnlyTheirRecords(t *testing.T) {
	w := newStreamWorld(t, crm.FeedConfig{})
	s1, s2, m := w.open(t, w.ctxS1), w.open(t, w.ctxS2), w.open(t, w.ctxM)

	mine := w.newClient(t, w.ctxS1, "Ann")   // S1's: S2 sees nothing of it
	theirs := w.newClient(t, w.ctxS2, "Bob") // S2's

	item := next(t, s1)
	require.Equal(t, crm.ChangeClientCreated, item.Type)
	require.Equal(t, mine.ID, item.Record.(*crm.Client).ID)

	// S2's first item is its own client: the other one left no trace.
	item = next(t, s2)
	require.Equal(t, theirs.ID, item.ID)
	require.Equal(t, "Bob", item.Record.(*crm.Client).FirstName)

	require.Equal(t, mine.ID, next(t, m).ID)
	require.Equal(t, theirs.ID, next(t, m).ID)

	// Management hands S1's client to S2: S1 is told it left, S2 receives it.
	w.updateClient(t, w.ctxM, mine.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, "client.sales_contact_assigned")
	item = next(t, s1)
	require.Equal(t, crm.StreamRemoved, item.Type)
	require.Equal(t, mine.ID, item.ID)
	require.Nil(t, item.Record)
	item = next(t, s2)
	require.Equal(t, "client.sales_contact_assigned", item.Type)
	require.Equal(t, mine.ID, item.Record.(*crm.Client).ID)

	// Later changes to it reach S2 only; S1 hears of its own next change first.
	w.updateClient(t, w.ctxS2, mine.ID, crm.ClientInput{Phone: crm.Some("+33 1 23 45 67 89")}, crm.ChangeClientUpdated)
	w.updateClient(t, w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("+33 9 87 65 43 21")}, crm.ChangeClientUpdated)
	item = next(t, s1)
	require.Equal(t, w.C1.ID, item.ID)
	require.Equal(t, crm.ChangeClientUpdated, item.Type)
	item = next(t, s2)
	require.Equal(t, mine.ID, item.ID)
	require.Equal(t, "+33 1 23 45 67 89", item.Record.(*crm.Client).Phone)
}

func TestStreamSupportSeesAssignmentsComeAndGo(t *testing.T) {
	w := newStreamWorld(t, crm.FeedConfig{})
	p1, p2 := w.open(t, w.ctxP1), w.open(t, w.ctxP2)

	before := w.E1
	after, err := w.svc.AssignSupport(w.ctxM, w.E1.ID, &w.P2.ID, 0)
	require.NoError(t, err)
	w.log.add(t, "event.support_assigned", crm.ResourceEvent, w.E1.ID, before, after)
	w.feed.Notify()

	item := next(t, p1) // P1 never received E1 on this stream: the Before snapshot tells it was theirs
	require.Equal(t, crm.StreamRemoved, item.Type)
	require.Equal(t, crm.ResourceEvent, item.Resource)
	item = next(t, p2)
	require.Equal(t, "event.support_assigned", item.Type)
	require.Equal(t, w.P2.ID, *item.Record.(*crm.Event).SupportContactID)

	// A client change reaches P2 (who supports one of its events) and not P1 any more.
	w.updateClient(t, w.ctxM, w.C1.ID, crm.ClientInput{Company: crm.Some("Cooler Startup")}, crm.ChangeClientUpdated)
	item = next(t, p2)
	require.Equal(t, w.C1.ID, item.ID)
	require.Equal(t, crm.ChangeClientUpdated, item.Type)
	w.updateClient(t, w.ctxM, w.C1.ID, crm.ClientInput{Company: crm.Some("Coolest Startup")}, crm.ChangeClientUpdated)
	require.Equal(t, "Coolest Startup", next(t, p2).Record.(*crm.Client).Company)

	// A deleted event P2 could read is announced as removed.
	require.NoError(t, w.svc.DeleteEvent(w.ctxM, w.E1.ID, 0))
	w.log.add(t, crm.ChangeEventDeleted, crm.ResourceEvent, w.E1.ID, after, nil)
	w.feed.Notify()
	item = next(t, p2)
	require.Equal(t, crm.StreamRemoved, item.Type)
	require.Equal(t, w.E1.ID, item.ID)
}

func TestStreamFollowsThePolicy(t *testing.T) {
	w := newStreamWorld(t, crm.FeedConfig{})
	s2 := w.open(t, w.ctxS2)
	w.updateClient(t, w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("0100000001")}, crm.ChangeClientUpdated)
	// The policy now lets sales read every client: the next change to S1's client reaches S2.
	w.authz[crm.RoleSales][crm.ResourceClient][crm.ActionRead] = any_
	w.updateClient(t, w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("0100000002")}, crm.ChangeClientUpdated)
	item := next(t, s2)
	require.Equal(t, w.C1.ID, item.ID)
	require.Equal(t, "0100000002", item.Record.(*crm.Client).Phone, "the change made under the old policy was not sent")
	// Taken back: the next change is announced as removed (S2 saw the record), then nothing.
	w.authz[crm.RoleSales][crm.ResourceClient][crm.ActionRead] = own
	w.updateClient(t, w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("0100000003")}, crm.ChangeClientUpdated)
	require.Equal(t, crm.StreamRemoved, next(t, s2).Type)
	w.updateClient(t, w.ctxS1, w.C1.ID, crm.ClientInput{Phone: crm.Some("0100000004")}, crm.ChangeClientUpdated)
	own := w.newClient(t, w.ctxS2, "Zoe")
	require.Equal(t, own.ID, next(t, s2).ID)
}

func TestStreamResumes(t *testing.T) {
	w := newStreamWorld(t, crm.FeedConfig{Batch: 2})
	a := w.newClient(t, w.ctxS1, "Ann")
	b := w.newClient(t, w.ctxS2, "Bob")
	c := w.newClient(t, w.ctxS1, "Cid")
	d := w.newClient(t, w.ctxS1, "Dan")
	_ = b // S2's: not in S1's replay
	// A new feed started now: the four changes are in the past, read back from the log.
	feed := crm.NewFeed(w.log, crm.FeedConfig{Batch: 2, Poll: time.Hour})
	require.NoError(t, feed.Start(context.Background()))
	defer feed.Close()

	st, err := w.svc.OpenStream(w.ctxS1, feed, 0, true)
	require.NoError(t, err)
	defer st.Close()
	for _, want := range []int64{a.ID, c.ID, d.ID} {
		require.Equal(t, want, next(t, st).ID)
	}
	first := w.log.changes[0].Seq
	st2, err := w.svc.OpenStream(w.ctxS1, feed, first, true)
	require.NoError(t, err)
	defer st2.Close()
	require.Equal(t, c.ID, next(t, st2).ID)
	// Live changes follow the replay.
	e := w.newClient(t, w.ctxS1, "Eve")
	feed.Notify()
	require.Equal(t, d.ID, next(t, st2).ID)
	require.Equal(t, e.ID, next(t, st2).ID)

	// Beyond the retention, or ahead of the log: the client must reload.
	w.log.mu.Lock()
	w.log.oldest = w.log.changes[2].Seq
	w.log.mu.Unlock()
	_, err = w.svc.OpenStream(w.ctxS1, feed, first, true)
	require.ErrorIs(t, err, crm.ErrStreamExpired)
	_, err = w.svc.OpenStream(w.ctxS1, feed, 1_000_000, true)
	require.ErrorIs(t, err, crm.ErrStreamExpired)
	// The refused streams left no subscription behind.
	require.Equal(t, 2, feed.Subscribers())
}

func TestStreamLimits(t *testing.T) {
	w := newStreamWorld(t, crm.FeedConfig{Buffer: 2, MaxPerUser: 2})
	slow := w.open(t, w.ctxS1)
	w.open(t, w.ctxS1)
	_, err := w.svc.OpenStream(w.ctxS1, w.feed, 0, false)
	requireCode(t, err, crm.ETHROTTLED)
	w.open(t, w.ctxS2) // the cap is per user

	// Three changes while the slow subscriber reads none: its buffer of two overflows.
	for _, n := range []string{"a", "b", "c"} {
		w.newClient(t, w.ctxS1, n)
	}
	require.Eventually(t, func() bool { return w.feed.Subscribers() < 3 }, 5*time.Second, 5*time.Millisecond)
	var got error
	for got == nil {
		_, got = slow.Next(context.Background())
	}
	require.ErrorIs(t, got, crm.ErrStreamBehind)
	// Its slot is free again.
	w.open(t, w.ctxS1)

	// No actor, no stream.
	_, err = w.svc.OpenStream(context.Background(), w.feed, 0, false)
	requireCode(t, err, crm.EUNAUTHORIZED)

	// Closing the feed ends every stream.
	st := w.open(t, w.ctxM)
	w.feed.Close()
	_, err = st.Next(context.Background())
	require.ErrorIs(t, err, crm.ErrStreamClosed)
	_, err = w.svc.OpenStream(w.ctxM, w.feed, 0, false)
	require.ErrorIs(t, err, crm.ErrStreamClosed)
}
