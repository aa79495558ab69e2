package policy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/epicevents/epiccrm/crm"
)

// settle is how long a policy file must stay unchanged after a change is seen before it is read:
// an editor or a copy writes a file in several steps (truncate, write, rename), and reading it
// half-way could swap in half a policy.
const settle = 150 * time.Millisecond

// Live is a crm.Authorizer whose policy can be replaced while the CRM runs: Watch loads a policy
// file and reloads it when the file changes, Reload reloads it on demand (on SIGHUP, with
// ReloadOnSignal). A new policy is parsed and checked whole before it replaces the old one in a
// single atomic step, so every Scopes call answers from one policy, old or new, never from a mix;
// a file that is refused leaves the policy in force as it was, and the refusal is logged with
// every bad line. A Live is safe for concurrent use.
//
// Live is also a prometheus.Collector of epiccrm_policy_reloads_total{result="ok"|"refused"} and
// epiccrm_policy_last_reload_successful.
type Live struct {
	path string // "" for the built-in policy
	log  *slog.Logger
	cur  atomic.Pointer[Policy]

	mu  sync.Mutex        // serializes reloads
	sum [sha256.Size]byte // the content last read, so that unchanged files are not reloaded

	ok, refused atomic.Uint64
	lastFailed  atomic.Bool

	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	watcher *fsnotify.Watcher
	once    sync.Once
}

var _ crm.Authorizer = (*Live)(nil)

// Watch loads the policy file at path and keeps it current until ctx ends or Close is called:
// when the file changes (it watches the file's directory, so that a file an editor replaces by
// renaming a new one over it is seen too) the new content is checked and, if good, applied. With
// path "" it applies the built-in policy, which never changes: there is nothing to watch, and
// Reload only logs so. It logs the policy it starts with, and its Warnings, to logger (nil: no
// log). It fails, and watches nothing, when the file cannot be read, is refused (a *LoadError
// listing every bad line) or its directory cannot be watched.
func Watch(ctx context.Context, path string, logger *slog.Logger) (*Live, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Live{path: path, log: logger}
	var p *Policy
	var err error
	if path == "" {
		p, err = Default()
	} else {
		l.path = filepath.Clean(path)
		var text []byte
		if text, err = os.ReadFile(l.path); err != nil {
			return nil, fmt.Errorf("cannot read the policy file: %w", err)
		}
		l.sum = sha256.Sum256(text)
		p, err = Parse(l.path, text)
	}
	if err != nil {
		return nil, err
	}
	l.cur.Store(p)
	l.ctx, l.stop = context.WithCancel(ctx)
	if path != "" {
		if l.watcher, err = fsnotify.NewWatcher(); err != nil {
			l.stop()
			return nil, fmt.Errorf("cannot watch the policy file %s for changes: %w", l.path, err)
		}
		if err := l.watcher.Add(filepath.Dir(l.path)); err != nil {
			l.watcher.Close()
			l.stop()
			return nil, fmt.Errorf("cannot watch the directory of the policy file %s for changes: %w", l.path, err)
		}
		l.wg.Add(1)
		go l.watch()
	}
	l.log.Info("policy in force", "policy", p.Name(), "fingerprint", p.Fingerprint(), "watched", path != "")
	l.logWarnings(p)
	return l, nil
}

// Scopes answers from the policy in force: see Policy.Scopes.
func (l *Live) Scopes(role crm.Role, res crm.Resource, act crm.Action) []crm.Scope {
	return l.cur.Load().Scopes(role, res, act)
}

// Policy returns the policy in force. It never changes, so a caller that needs several answers
// from one policy (a table of permissions, say) asks it rather than the Live.
func (l *Live) Policy() *Policy { return l.cur.Load() }

// Fingerprint returns the fingerprint of the policy in force (Policy.Fingerprint).
func (l *Live) Fingerprint() string { return l.cur.Load().Fingerprint() }

// Path returns the policy file being watched, or "" for the built-in policy.
func (l *Live) Path() string { return l.path }

// Reload reads the policy file again and, if it is good, puts it in force at once, whether or
// not the file changed; it is what SIGHUP does. It logs the outcome: the new fingerprint when the
// permissions changed, or every bad line when the file is refused (the policy in force then stays
// as it was, and the error is returned). With the built-in policy there is no file: it logs so
// and returns nil.
func (l *Live) Reload() error { return l.reload("reload requested", false) }

// ReloadOnSignal reloads the policy (as Reload) each time the process receives one of sigs,
// usually SIGHUP, until the Live is closed. From its return on, those signals no longer have
// their default effect (SIGHUP would end the process).
func (l *Live) ReloadOnSignal(sigs ...os.Signal) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer signal.Stop(c)
		for {
			select {
			case <-l.ctx.Done():
				return
			case s := <-c:
				_ = l.reload("signal "+s.String(), false)
			}
		}
	}()
}

// Close stops watching the file and handling signals, as the end of Watch's context does, and
// waits until they have stopped. The policy in force stays in force. It is safe to call more than
// once.
func (l *Live) Close() error {
	l.once.Do(func() {
		l.stop()
		l.wg.Wait()
	})
	return nil
}

// watch reloads the file each time its directory has been quiet for settle after a change.
func (l *Live) watch() {
	defer l.wg.Done()
	defer l.watcher.Close()
	timer := time.NewTimer(settle)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case _, ok := <-l.watcher.Events:
			if !ok {
				return
			}
			// Any change in the directory counts, not only one named like the file: Kubernetes,
			// for one, updates a mounted file by swapping a symbolic link to its directory. The
			// content is compared before anything is reloaded.
			timer.Reset(settle)
		case err, ok := <-l.watcher.Errors:
			if !ok {
				return
			}
			l.log.Warn("watching the policy file failed; send SIGHUP to reload it", "policy", l.path, "error", err.Error())
		case <-timer.C:
			_ = l.reload("file changed", true)
		}
	}
}

// reload reads and checks the file and swaps it in; onlyIfChanged skips a file whose content is
// the one last read. trigger says why, for the log.
func (l *Live) reload(trigger string, onlyIfChanged bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.path == "" {
		l.log.Info("policy not reloaded: the built-in policy is in force and there is no file to read; "+
			"start the server with --policy FILE to use a policy that can be changed", "trigger", trigger)
		return nil
	}
	text, err := os.ReadFile(l.path)
	if err != nil {
		if onlyIfChanged && errors.Is(err, os.ErrNotExist) && l.sum == ([sha256.Size]byte{}) {
			return nil // already reported gone
		}
		l.sum = [sha256.Size]byte{}
		l.fail()
		l.log.Error("policy not reloaded: cannot read the policy file; the policy in force stays",
			"trigger", trigger, "policy", l.path, "fingerprint", l.Fingerprint(), "error", err.Error())
		return fmt.Errorf("cannot read the policy file: %w", err)
	}
	sum := sha256.Sum256(text)
	if onlyIfChanged && sum == l.sum {
		return nil
	}
	l.sum = sum
	p, err := Parse(l.path, text)
	if err != nil {
		l.fail()
		attrs := []any{"trigger", trigger, "policy", l.path, "fingerprint", l.Fingerprint()}
		var le *LoadError
		if errors.As(err, &le) {
			problems := make([]string, len(le.Errors))
			for i, e := range le.Errors {
				problems[i] = (&LoadError{File: le.File, Errors: []LineError{e}}).Error()
			}
			attrs = append(attrs, "problems", problems)
		} else {
			attrs = append(attrs, "error", err.Error())
		}
		l.log.Error("policy refused: fix the lines listed and save again; the policy in force stays", attrs...)
		return err
	}
	old := l.cur.Swap(p)
	l.ok.Add(1)
	l.lastFailed.Store(false)
	if old.Fingerprint() != p.Fingerprint() {
		added, removed := Diff(old, p)
		l.log.Info("policy changed", "change", fmt.Sprintf("%d permission(s) added, %d removed", len(added), len(removed)),
			"trigger", trigger, "policy", l.path, "fingerprint", p.Fingerprint(), "previous", old.Fingerprint(),
			"added", permissionStrings(added), "removed", permissionStrings(removed))
	} else {
		l.log.Info("policy reloaded: the permissions are unchanged", "trigger", trigger, "policy", l.path, "fingerprint", p.Fingerprint())
	}
	l.logWarnings(p)
	return nil
}

func (l *Live) fail() {
	l.refused.Add(1)
	l.lastFailed.Store(true)
}

// logWarnings logs each warning of p.
func (l *Live) logWarnings(p *Policy) {
	for _, w := range p.Warnings() {
		l.log.Warn("policy warning: "+w, "policy", p.Name(), "fingerprint", p.Fingerprint())
	}
}

var (
	descReloads = prometheus.NewDesc("epiccrm_policy_reloads_total",
		"Policy reloads (file changes and SIGHUP) since start, by result: ok (applied) or refused (the policy in force stayed).",
		[]string{"result"}, nil)
	descLastOK = prometheus.NewDesc("epiccrm_policy_last_reload_successful",
		"1 when the last policy reload was applied or none was tried, 0 when it was refused (the policy in force stayed).",
		nil, nil)
)

// Describe sends the descriptions of the Live's metrics (prometheus.Collector).
func (l *Live) Describe(ch chan<- *prometheus.Desc) {
	ch <- descReloads
	ch <- descLastOK
}

// Collect sends the Live's metrics (prometheus.Collector).
func (l *Live) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(l.ok.Load()), "ok")
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(l.refused.Load()), "refused")
	last := 1.0
	if l.lastFailed.Load() {
		last = 0
	}
	ch <- prometheus.MustNewConstMetric(descLastOK, prometheus.GaugeValue, last)
}
