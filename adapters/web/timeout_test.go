package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// hangingClients is a store whose client reads hang until their context ends, as a database
// that stopped answering would.
type hangingClients struct{ *sqlite.Store }

func (h hangingClients) FindClient(ctx context.Context, _ int64, _ crm.Visibility) (*crm.Client, error) {
	<-ctx.Done()
	return nil, &crm.Error{Code: crm.EUNAVAILABLE, Message: "the database did not answer in time", Err: ctx.Err()}
}

func (h hangingClients) Deps() crm.Deps {
	d := h.Store.Deps()
	d.Clients = h
	return d
}

// TestRequestsHaveATimeBudget checks that a page whose database call hangs ends with the UI's
// 503 page once the request's time budget is spent, instead of holding the connection.
func TestRequestsHaveATimeBudget(t *testing.T) {
	t.Parallel()
	e := newEnvOn(t, hangingClients{sqlitetest.New(t)}, web.Config{RequestTimeout: time.Second})
	sales := e.loggedIn(e.sales)
	start := time.Now()
	p := sales.get("/admin/clients/1")
	require.Equal(t, http.StatusServiceUnavailable, p.Status)
	assert.Contains(t, p.Body, "Temporarily unavailable")
	assert.Less(t, time.Since(start), 3*time.Second)
}
