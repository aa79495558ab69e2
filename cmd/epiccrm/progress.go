package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows how far a long command is, table by table: a bar redrawn in place on a
// terminal, with the rows per second and the time left; otherwise plain lines, one every
// plainEvery while a table is written and one once it is done.
type progress struct {
	w        io.Writer
	terminal bool
	verb     string // what is done to the rows, e.g. "copied", "loaded"
	drawn    bool
	table    string
	start    time.Time
	said     time.Time
	now      func() time.Time
}

// plainEvery is how often a plain progress line is written while a table is written.
const plainEvery = 10 * time.Second

// newProgress returns the progress of a copy.
func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, verb: "copied", now: time.Now}
}

// update reports that done of the table's total rows are written.
func (p *progress) update(table string, done, total int64) {
	now := p.now()
	if table != p.table {
		p.table, p.start, p.said = table, now, now
	}
	elapsed := now.Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	if !p.terminal {
		switch {
		case done == total:
			fmt.Fprintf(p.w, "%s %s: %d rows in %s (%.0f rows/s)\n", p.verb, table, done, elapsed.Round(time.Millisecond), rate)
		case now.Sub(p.said) >= plainEvery:
			p.said = now
			fmt.Fprintf(p.w, "%s %s: %d/%d rows, %.0f rows/s%s\n", p.verb, table, done, total, rate, eta(done, total, rate))
		}
		return
	}
	const width = 30
	filled := width
	if total > 0 {
		filled = int(done * width / total)
	}
	fmt.Fprintf(p.w, "\r%-20s [%s%s] %d/%d", table, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	p.drawn = true
	if done == total {
		fmt.Fprintln(p.w)
		p.drawn = false
		return
	}
	if rate > 0 {
		fmt.Fprintf(p.w, "  %.0f rows/s%s\x1b[K", rate, eta(done, total, rate))
	}
}

// step reports a step without rows, such as building an index.
func (p *progress) step(what string) {
	p.finish()
	p.table = ""
	fmt.Fprintf(p.w, "%s...\n", what)
}

// eta returns ", ETA <duration>" for the rows left at rate rows per second, or "".
func eta(done, total int64, rate float64) string {
	if rate <= 0 || done >= total {
		return ""
	}
	return ", ETA " + time.Duration(float64(total-done)/rate*float64(time.Second)).Round(time.Second).String()
}

// finish ends a bar left half-drawn by a failure.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
