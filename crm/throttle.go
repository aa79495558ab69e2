package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// attemptTimeout is the longest a password check can be in flight: a reservation older than
// this belongs to a process that stopped in the middle of a check, and counts as a failure.
const attemptTimeout = time.Minute

// settlePoll is how often an attempt waiting for the checks in flight looks again at the store,
// for those of other processes (the Service wakes it at once for its own).
const settlePoll = 50 * time.Millisecond

// maxNameKey is the longest typed name kept as it is in a throttling key, in bytes; a longer
// one (no one has it: usernames are at most 150 characters) is keyed by its hash.
const maxNameKey = 256

// accountKey is the throttling key of the account with id: renaming this or any other account
// cannot move its counter.
func accountKey(id int64) string {
	return "account:" + strconv.FormatInt(id, 10)
}

// nameKey is the throttling key of a typed username that belongs to no account: its canonical
// form, so that the case and width variants of one name share a counter.
func nameKey(username string) string {
	c := canonicalName(username)
	if !cleanText(c, false) || len(c) > maxNameKey {
		sum := sha256.Sum256([]byte(username))
		return "name#" + hex.EncodeToString(sum[:])
	}
	return "name:" + c
}

// foldCase is Unicode full case folding; it is safe for concurrent use.
var foldCase = cases.Fold()

// canonicalName returns the form of a typed name under which its variants compare equal: the
// canonical username (CanonicalUsername, the form logins look up) when the profile accepts the
// name, and otherwise NFKC, Unicode case folding and NFKC again (folding can denormalise), the
// form of EmailKey. "Nobody", "NOBODY" and "ｎｏｂｏｄｙ" all give "nobody", so an unknown name
// is counted as one whichever way it is typed, as a known one is (by its account).
func canonicalName(s string) string {
	s = strings.TrimSpace(s)
	if name, err := CanonicalUsername(s); err == nil {
		return name
	}
	if !utf8.ValidString(s) {
		return s
	}
	return norm.NFKC.String(foldCase.String(norm.NFKC.String(s)))
}

// attempt is a password check reserved under its throttling keys, until it is settled.
type attempt struct {
	s       *Service
	ctx     context.Context // the caller's, not cancelled with it: a settlement always runs
	id      string
	leave   func()
	settled bool
}

// newAttemptID returns a random attempt id.
func newAttemptID() string {
	return rand.Text()
}

// beginAttempt reserves a password check under keys: the rule is in Service.Authenticate. It
// returns ETHROTTLED when a key has its allowance of failures, and EBUSY when the checks in
// flight still fill an allowance after Throttling.Wait. The caller settles the attempt with
// fail or succeed, and always calls release (which frees it unless it was settled).
func (s *Service) beginAttempt(ctx context.Context, keys []ThrottleKey) (*attempt, error) {
	deadline := time.Now().Add(s.throttling.Wait)
	leave, err := s.gates.enter(ctx, keys, deadline)
	if err != nil {
		return nil, err
	}
	a := &attempt{s: s, ctx: context.WithoutCancel(ctx), id: newAttemptID(), leave: leave}
	for {
		wake := s.gates.settledSignal()
		now := s.clock()
		req := LoginAttempt{ID: a.id, Keys: keys, At: now, Since: now.Add(-s.throttling.Window)}
		req.StaleBefore = now.Add(-attemptTimeout)
		if req.StaleBefore.Before(req.Since) {
			req.StaleBefore = req.Since
		}
		reserved, counts, err := s.throttle.ReserveLoginAttempt(ctx, req)
		if err != nil {
			leave()
			return nil, err
		}
		if reserved {
			return a, nil
		}
		if wait := throttledFor(keys, counts, now, s.throttling.Window); wait > 0 {
			leave()
			return nil, &Error{Code: ETHROTTLED, RetryAfter: wait, Message: "too many failed attempts: try again later"}
		}
		// The allowance is full of checks in flight (of other processes, or of this one that
		// began before this attempt entered its gate): wait for one of them to settle.
		left := time.Until(deadline)
		if left <= 0 {
			leave()
			return nil, errBusy("too many logins for this account or address are being checked right now")
		}
		t := time.NewTimer(min(left, settlePoll))
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			leave()
			return nil, &Error{Code: EUNAVAILABLE, Message: "the request ended before the login could be checked", Err: ctx.Err()}
		}
		t.Stop()
	}
}

// throttledFor returns how long an attempt must wait because a key has its allowance of
// failures (until the oldest of them leaves the window, at least a second), or 0.
func throttledFor(keys []ThrottleKey, counts []LoginCount, now time.Time, window time.Duration) time.Duration {
	var wait time.Duration
	for i, c := range counts {
		if i < len(keys) && c.Failures >= keys[i].Limit {
			wait = max(wait, c.FirstFailure.Add(window).Sub(now), time.Second)
		}
	}
	if wait == 0 {
		return 0
	}
	return wait.Round(time.Second)
}

// fail settles the attempt as a failure under each of its keys.
func (a *attempt) fail() error {
	a.settled = true
	defer a.done()
	return a.s.throttle.FailLoginAttempt(a.ctx, a.id)
}

// succeed settles the attempt as no failure and clears the failures of key, the account's own
// key.
func (a *attempt) succeed(key string) error {
	a.settled = true
	defer a.done()
	if err := a.s.throttle.ReleaseLoginAttempt(a.ctx, a.id); err != nil {
		return err
	}
	return a.s.throttle.ClearLoginFailures(a.ctx, key)
}

// release frees an attempt that was not settled (the check could not run): it counts as
// nothing. It does nothing after fail or succeed.
func (a *attempt) release() {
	if a.settled {
		return
	}
	a.settled = true
	defer a.done()
	// A reservation left behind would hold a slot until it went stale; there is nothing better
	// to do with an error here.
	_ = a.s.throttle.ReleaseLoginAttempt(a.ctx, a.id)
}

// done leaves the attempt's gates and wakes the attempts waiting for a check to settle.
func (a *attempt) done() {
	a.leave()
	a.s.gates.signalSettled()
}

// gates queues the attempts of this process per throttling key: at most the key's limit of them
// go to the store at once, and the others wait in line (Go's channel order) rather than all
// asking the store again each time a check settles. The store keeps the exact count across
// processes; the gates only spare it a stampede.
type gates struct {
	mu      sync.Mutex
	byKey   map[string]*gate
	settled chan struct{}
}

// gate is the queue of one key.
type gate struct {
	slots chan struct{}
	users int
}

func newGates() *gates {
	return &gates{byKey: map[string]*gate{}, settled: make(chan struct{})}
}

// enter takes a slot in the gate of each key, in key order (so that two attempts cannot each
// hold a slot the other waits for), waiting until deadline at most. It returns the function that
// gives the slots back, or EBUSY.
func (g *gates) enter(ctx context.Context, keys []ThrottleKey, deadline time.Time) (func(), error) {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b ThrottleKey) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	var held []string
	leave := func() {
		for _, k := range held {
			g.put(k)
		}
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for _, k := range sorted {
		gt := g.get(k.Key, k.Limit)
		select {
		case gt.slots <- struct{}{}:
			held = append(held, k.Key)
		case <-t.C:
			g.release(gt, k.Key)
			leave()
			return nil, errBusy("too many logins for this account or address are waiting right now")
		case <-ctx.Done():
			g.release(gt, k.Key)
			leave()
			return nil, &Error{Code: EUNAVAILABLE, Message: "the request ended before the login could be checked", Err: ctx.Err()}
		}
	}
	return leave, nil
}

// get returns the gate of key, made with limit slots if it is new, and counts one more user.
func (g *gates) get(key string, limit int) *gate {
	g.mu.Lock()
	defer g.mu.Unlock()
	gt := g.byKey[key]
	if gt == nil {
		gt = &gate{slots: make(chan struct{}, max(limit, 1))}
		g.byKey[key] = gt
	}
	gt.users++
	return gt
}

// put gives back a slot of the gate of key and forgets its user.
func (g *gates) put(key string) {
	g.mu.Lock()
	gt := g.byKey[key]
	g.mu.Unlock()
	<-gt.slots
	g.release(gt, key)
}

// release forgets one user of gate gt of key, and the gate itself when it has none left.
func (g *gates) release(gt *gate, key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gt.users--
	if gt.users == 0 {
		delete(g.byKey, key)
	}
}

// settledSignal returns a channel closed when the next attempt of this process settles.
func (g *gates) settledSignal() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.settled
}

// signalSettled wakes the attempts waiting for one to settle.
func (g *gates) signalSettled() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.settled)
	g.settled = make(chan struct{})
}

// errBusy is the EBUSY error of work that could not start in time: the caller retries in a
// second.
func errBusy(what string) error {
	return &Error{Code: EBUSY, RetryAfter: time.Second, Message: what + ": try again in a second"}
}
