package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/internal/syncbuf"
)

func TestEveryRequestIsLoggedWithItsIDAndNoSecret(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	e := newEnvOn(t, sqlitetest.New(t), web.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	sales := e.loggedIn(e.sales)
	p := sales.get("/admin/clients?q=acme")
	require.Equal(t, http.StatusOK, p.Status)
	id := p.Header.Get("X-Request-ID")
	require.Len(t, id, 32, "each response carries its request id")

	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, id) {
			line = l
		}
	}
	require.NotEmpty(t, line, "the request has an access log line with its id")
	assert.Contains(t, line, `"route":"/admin/clients"`)
	assert.Contains(t, line, `"status":200`)
	assert.NotContains(t, logs.String(), pw, "no password reaches the log, not even the login's")
	assert.NotContains(t, logs.String(), "epiccrm_session", "no cookie reaches the log")
}

func TestAdminWithoutItsSlashGoesToTheDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.browser().get("/admin")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/admin/", p.Header.Get("Location"))
}
