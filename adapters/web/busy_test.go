package web_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// gatedPasswords holds every password check while its gate is closed, so that a test can keep
// the only hashing slot busy.
type gatedPasswords struct {
	crm.Passwords
	mu      sync.Mutex
	gate    chan struct{}
	waiting chan struct{}
}

// close makes the next checks wait until the returned function is called.
func (p *gatedPasswords) close() (open func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := make(chan struct{})
	p.gate = g
	return func() {
		p.mu.Lock()
		p.gate = nil
		p.mu.Unlock()
		close(g)
	}
}

func (p *gatedPasswords) Verify(hash, pw string) (bool, bool) {
	p.mu.Lock()
	g := p.gate
	p.mu.Unlock()
	if g != nil {
		p.waiting <- struct{}{}
		<-g
	}
	return p.Passwords.Verify(hash, pw)
}

// oneHashAtATime is a SQLite store whose Service hashes one password at a time, waiting at most
// 20 ms for its turn, through gated passwords.
type oneHashAtATime struct {
	*sqlite.Store
	pw *gatedPasswords
}

func (s oneHashAtATime) Deps() crm.Deps {
	d := s.Store.Deps()
	d.Passwords = s.pw
	d.Hashing = crm.Hashing{MaxConcurrent: 1, Wait: 20 * time.Millisecond}
	return d
}

// TestBusyPasswordChecksGet503 checks that a login or a password change that cannot get a
// hashing slot in time gets a 503 page that says so, with Retry-After, starts no session and
// counts as no failure.
func TestBusyPasswordChecksGet503(t *testing.T) {
	t.Parallel()
	gated := &gatedPasswords{Passwords: password.New(password.ForTests), waiting: make(chan struct{}, 1)}
	e := newEnvOn(t, oneHashAtATime{Store: sqlitetest.New(t), pw: gated}, web.Config{})
	here := e.loggedIn(e.sales)
	here.get("/admin/password")

	release := gated.close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.loggedIn(e.mgr)
	}()
	<-gated.waiting

	for range 5 {
		b := e.browser()
		p := b.tryLogin("sam", "not-the-password", "")
		require.Equal(t, http.StatusServiceUnavailable, p.Status)
		assert.Equal(t, "1", p.Header.Get("Retry-After"))
		assert.Contains(t, p.Body, "The server is busy checking other logins")
		assert.Empty(t, b.jar["epiccrm_session"])
	}
	p := here.submit("/admin/password", url.Values{"current_password": {pw}, "password": {"Another-Quiet-Harbour-7"},
		"password_confirm": {"Another-Quiet-Harbour-7"}})
	require.Equal(t, http.StatusServiceUnavailable, p.Status)
	assert.Contains(t, p.Body, "The server is busy right now.")
	assert.Contains(t, p.Body, "Nothing was saved")

	release()
	<-done
	e.loggedIn(e.sales) // the refused attempts counted as nothing (the allowance is 4)
}
