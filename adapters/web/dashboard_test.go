package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// stats returns the dashboard's cards of b's user, each label with its count.
func stats(t *testing.T, b *browser) map[string]string {
	t.Helper()
	p := b.get("/admin/")
	require.Equal(t, http.StatusOK, p.Status)
	out := map[string]string{}
	re := regexp.MustCompile(`<span class="stat-value">([^<]*)</span><span class="stat-label">([^<]*)</span>`)
	for _, m := range re.FindAllStringSubmatch(p.Body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// TestDashboardCountsAreTrueCounts checks that the dashboard's cards count every record the user
// may see, beyond the largest page a list returns, and nothing they may not.
func TestDashboardCountsAreTrueCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newFixtures(t, e)
	many := crm.MaxLimit + 1
	for i := 0; i < many; i++ {
		e.client(e.sales2, "Bulk", fmt.Sprintf("Client%03d", i), "Bulk Ltd")
	}
	_, err := e.svc.UpdateUser(e.as(e.mgr), e.support2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)

	cases := []struct {
		who  *crm.User
		want map[string]string
	}{
		{e.mgr, map[string]string{"Clients": fmt.Sprint(many + 2), "Contracts": "3", "Events": "2", "Active users": "4"}},
		{e.sales, map[string]string{"Clients": "1", "Contracts": "2", "Events": "1"}},
		{e.sales2, map[string]string{"Clients": fmt.Sprint(many + 1), "Contracts": "1", "Events": "1"}},
		{e.support, map[string]string{"Clients": "1", "Contracts": "1", "Events": "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.who.Username, func(t *testing.T) {
			assert.Equal(t, tc.want, stats(t, e.loggedIn(tc.who)))
		})
	}
}

// TestSupportDashboardShowsUpcomingEventsOnly checks that the support user's panel lists their
// open events from now on, soonest first, and leaves out past and closed ones.
func TestSupportDashboardShowsUpcomingEventsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(e.sales, "Ann", "Lee", "Acme")
	k := e.signedContract(e.sales, c, "1000")
	past := e.event(e.sales, k, "Spring fair", e.support)
	closed := e.event(e.sales, k, "Closed congress", e.support)
	_, err := e.svc.UpdateEvent(e.as(e.support), closed.ID, crm.EventInput{Status: crm.Some(crm.EventClosed)}, 0)
	require.NoError(t, err)
	e.clock.Advance(31 * 24 * time.Hour) // the fair is over
	soon := e.event(e.sales, k, "Summer gala", e.support)
	e.event(e.sales, k, "Other support's party", e.support2)
	var later []*crm.Event
	for i := 0; i < 6; i++ {
		e.clock.Advance(time.Hour)
		later = append(later, e.event(e.sales, k, fmt.Sprintf("Later seminar %d", i), e.support))
	}
	require.True(t, past.EventDate.Before(e.clock.Now()), "the fixture has an event in the past")

	p := e.loggedIn(e.support).get("/admin/")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "My upcoming events")
	assert.Contains(t, p.Body, "Summer gala")
	assert.NotContains(t, p.Body, "Spring fair", "a past event is not upcoming")
	assert.NotContains(t, p.Body, "Closed congress", "a closed event is not upcoming")
	assert.NotContains(t, p.Body, "Other support", "another's event is not theirs")
	for i, ev := range later[:4] {
		assert.Contains(t, p.Body, ev.Name, "later event %d", i)
	}
	assert.NotContains(t, p.Body, later[4].Name, "the panel shows five events, soonest first")
	assert.Less(t, strings.Index(p.Body, soon.Name), strings.Index(p.Body, later[0].Name), "soonest first")

	t.Run("the panel links to all of them, from today", func(t *testing.T) {
		href := html2text(regexp1(t, p.Body, `<a href="([^"]+)">All my upcoming events`))
		assert.Contains(t, href, "from="+e.clock.Now().UTC().Format(time.DateOnly))
		all := e.loggedIn(e.support).get(href)
		require.Equal(t, http.StatusOK, all.Status)
		assert.Contains(t, all.Body, soon.Name)
		for i, ev := range later {
			assert.Contains(t, all.Body, ev.Name, "later event %d: the list is not cut at five", i)
		}
		assert.NotContains(t, all.Body, "Spring fair", "a past event is not upcoming")
		assert.NotContains(t, all.Body, "Closed congress", "a closed event is not upcoming")
		assert.NotContains(t, all.Body, "Other support", "another's event is not theirs")
		assert.Less(t, strings.Index(all.Body, soon.Name), strings.Index(all.Body, later[0].Name), "soonest first")
	})
}
