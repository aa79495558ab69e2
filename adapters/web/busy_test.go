package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/gatedpw"
)

// oneHashAtATime is a SQLite store whose Service hashes one password at a time, waiting at most
// 20 ms for its turn, through gated passwords.
type oneHashAtATime struct {
	*sqlite.Store
	pw *gatedpw.Passwords
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
	gated := gatedpw.New(password.New(password.ForTests))
	e := newEnvOn(t, oneHashAtATime{Store: sqlitetest.New(t), pw: gated}, web.Config{})
	here := e.loggedIn(e.sales)
	here.get("/admin/password")

	release := gated.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.loggedIn(e.mgr)
	}()
	<-gated.Waiting

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
