package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunks records each Write it is given.
type chunks struct {
	mu     sync.Mutex
	writes []string
}

func (c *chunks) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func (c *chunks) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.writes...)
}

func TestLogWriterWritesBatchesOfWholeLines(t *testing.T) {
	out := &chunks{}
	l := newLogWriter(out, time.Hour) // no timed flush: only a full buffer and close write
	var want bytes.Buffer
	line := strings.Repeat("x", 1000)
	for i := range 200 { // about 200 KB: three buffers and more
		s := fmt.Sprintf("%d %s\n", i, line)
		want.WriteString(s)
		n, err := l.Write([]byte(s))
		require.NoError(t, err)
		require.Equal(t, len(s), n)
	}
	written := out.all()
	require.NotEmpty(t, written, "a full buffer is written without waiting")
	assert.Less(t, len(written), 10, "the lines are written in batches, not one by one")
	big := strings.Repeat("y", logBuffer+10) + "\n"
	want.WriteString(big)
	_, err := l.Write([]byte(big))
	require.NoError(t, err)
	l.close()
	_, err = l.Write([]byte("after close\n"))
	require.NoError(t, err)
	written = out.all()
	for _, w := range written {
		assert.True(t, strings.HasSuffix(w, "\n"), "every write ends a line")
	}
	assert.Equal(t, want.String(), strings.Join(written, ""), "every line before close is written once, in order; none after")
}

func TestLogWriterFlushesPendingLinesSoon(t *testing.T) {
	out := &chunks{}
	l := newLogWriter(out, 300*time.Millisecond)
	defer l.close()
	_, err := l.Write([]byte("one line\n"))
	require.NoError(t, err)
	assert.Empty(t, out.all(), "the line waits in the buffer")
	assert.Eventually(t, func() bool { return strings.Join(out.all(), "") == "one line\n" }, 2*time.Second, 5*time.Millisecond)
}

func TestLogWriterConcurrentLinesStayWhole(t *testing.T) {
	out := &chunks{}
	l := newLogWriter(out, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				_, _ = fmt.Fprintf(l, "g%d line %d %s\n", g, i, strings.Repeat("z", 300))
			}
		})
	}
	wg.Wait()
	l.close()
	lines := strings.Split(strings.TrimSuffix(strings.Join(out.all(), ""), "\n"), "\n")
	require.Len(t, lines, 8*500)
	for _, s := range lines {
		require.Regexp(t, `^g\d line \d+ z{300}$`, s)
	}
}
