package sqlstore

import (
	"sync"
	"time"
)

// choiceTTL is how long a Store keeps what it read to choose how to run a query: the ends of a
// table (tableEnd), how many events a support user is assigned (supportEach), whether a search
// word matches many records of an FTS5 index (manyMatches). Each only picks between forms of the
// same query, so a stale answer costs time, never a different result.
const choiceTTL = 10 * time.Second

// choicesCap bounds the answers a choices keeps: its keys may come from requests (the words of a
// search), so a full one drops its expired answers, and if none has expired, all of them.
const choicesCap = 4096

// choices is a map of answers kept for choiceTTL, at most choicesCap of them, safe for
// concurrent use.
type choices[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]choice[V]
}

// choice is an answer of a choices, and when it was read.
type choice[V any] struct {
	v  V
	at time.Time
}

// get returns the answer of k read within choiceTTL before now, if any.
func (c *choices[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || now.Sub(e.at) >= choiceTTL {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v as the answer of k, read at now.
func (c *choices[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[K]choice[V])
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= choicesCap {
		for k, e := range c.m {
			if now.Sub(e.at) >= choiceTTL {
				delete(c.m, k)
			}
		}
		if len(c.m) >= choicesCap {
			clear(c.m)
		}
	}
	c.m[k] = choice[V]{v: v, at: now}
}
