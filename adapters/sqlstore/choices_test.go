package sqlstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestChoicesExpire(t *testing.T) {
	var c choices[string, int64]
	now := time.Now()
	_, ok := c.get("a", now)
	assert.False(t, ok, "nothing kept yet")
	c.put("a", 7, now)
	v, ok := c.get("a", now.Add(choiceTTL-time.Millisecond))
	assert.True(t, ok)
	assert.Equal(t, int64(7), v)
	_, ok = c.get("a", now.Add(choiceTTL))
	assert.False(t, ok, "an answer older than choiceTTL is read again")
}

func TestChoicesStayBounded(t *testing.T) {
	var c choices[int, bool]
	now := time.Now()
	for i := range choicesCap {
		c.put(i, true, now)
	}
	assert.Len(t, c.m, choicesCap)
	c.put(0, false, now)
	assert.Len(t, c.m, choicesCap, "a kept key is replaced in place")

	// Full of answers none of which has expired: all dropped.
	later := now.Add(choiceTTL / 2)
	c.put(-1, true, later)
	assert.Len(t, c.m, 1)

	// Full with half of the answers expired: those go, the others stay.
	c = choices[int, bool]{}
	for i := range choicesCap {
		at := now
		if i%2 == 1 {
			at = later
		}
		c.put(i, true, at)
	}
	c.put(-1, true, now.Add(choiceTTL+time.Millisecond))
	assert.Len(t, c.m, choicesCap/2+1)
	_, ok := c.get(1, later)
	assert.True(t, ok, "a fresh answer is kept")
	_, ok = c.m[0]
	assert.False(t, ok, "an expired one is dropped")
}
