package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

func TestListsSearchFilterSortAndPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 0; i < 30; i++ {
		owner := e.sales
		if i%3 == 0 {
			owner = e.sales2
		}
		e.client(owner, fmt.Sprintf("Client%02d", i), fmt.Sprintf("Family%02d", 29-i), fmt.Sprintf("Company %02d", i))
	}
	b := e.loggedIn(e.mgr)

	first := b.get("/admin/clients?limit=10&sort=first_name")
	require.Equal(t, http.StatusOK, first.Status)
	assert.Equal(t, 10, strings.Count(first.Body, `class="strong"`), "ten rows")
	assert.Contains(t, first.Body, "Client00")
	assert.NotContains(t, first.Body, "Client10")
	assert.Contains(t, first.Body, "30 results, 10 on this page", "the count is of the whole list, not of the page")
	next := html2text(regexp1(t, first.Body, `href="([^"]+)" rel="next"`))
	assert.Contains(t, next, "cursor=")
	assert.Contains(t, next, "sort=first_name", "paging keeps the sort")

	second := b.get(next)
	require.Equal(t, http.StatusOK, second.Status)
	assert.Contains(t, second.Body, "Client10")
	assert.NotContains(t, second.Body, "Client09")
	assert.Contains(t, second.Body, "First page")

	desc := b.get("/admin/clients?limit=5&sort=-last_name")
	assert.Contains(t, desc.Body, "Family29")
	assert.NotContains(t, desc.Body, "Family00")
	assert.Equal(t, 1, strings.Count(desc.Body, `aria-sort="descending"`))
	asc := b.get("/admin/clients?limit=5&sort=last_name")
	assert.Contains(t, asc.Body, "Family00")
	assert.Equal(t, 1, strings.Count(asc.Body, `aria-sort="ascending"`))
	assert.Contains(t, asc.Body, `href="/admin/clients?limit=5&amp;sort=-last_name"`, "a second click sorts the other way")

	// Every word must be in some field: "07" is also in Family07's last name, so the company
	// word narrows it to Client07.
	search := b.get("/admin/clients?q=COMPANY+07+client07")
	assert.Contains(t, search.Body, "Client07")
	assert.Contains(t, search.Body, "1 result")
	assert.Equal(t, 1, strings.Count(search.Body, `class="strong"`))

	mine := b.get("/admin/clients?sales_contact_id=" + itoa(e.sales2.ID) + "&limit=100")
	assert.Equal(t, 10, strings.Count(mine.Body, `class="strong"`), "the sales contact filter")
	assert.Contains(t, mine.Body, "1 active")
	assert.Contains(t, mine.Body, ">10 results<", "the count has the list's filter")
	assert.NotContains(t, mine.Body, "on this page", "a list on one page says nothing of pages")

	mineByName := b.get("/admin/clients?sales_contact_id=" + itoa(e.sales2.ID) + "&sort=last_name&limit=4")
	assert.Contains(t, mineByName.Body, "10 results, 4 on this page", "paging and sorting do not change the count")
	later := b.get(html2text(regexp1(t, mineByName.Body, `href="([^"]+)" rel="next"`)))
	assert.Contains(t, later.Body, "10 results, 4 on this page", "the count stays on the next page")

	none := b.get("/admin/clients?q=nobody+by+that+name")
	assert.Contains(t, none.Body, "No results")

	sam := e.loggedIn(e.sales)
	scoped := sam.get("/admin/clients?limit=5")
	assert.Contains(t, scoped.Body, "20 results, 5 on this page", "sales count only their own clients")

	cases := []string{"/admin/clients?sales_contact_id=abc", "/admin/clients?status=gone", "/admin/clients?sort=password",
		"/admin/clients?limit=100000", "/admin/clients?cursor=garbage", "/admin/contracts?amount_min=ten", "/admin/events?event_date=tomorrow",
		"/admin/events?unassigned=maybe", "/admin/users?is_active=perhaps"}
	for _, path := range cases {
		t.Run(path, func(t *testing.T) {
			p := b.get(path)
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Contains(t, p.Body, "<h1")
		})
	}
}

func TestListFiltersOfContractsAndEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.client(e.sales, "Ann", "Lee", "Acme")
	bob := e.client(e.sales, "Bob", "Stone", "Stone Ltd")
	paid := e.signedContract(e.sales, ann, "1000")
	_, err := e.svc.UpdateContract(e.as(e.sales), paid.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(0))}, 0)
	require.NoError(t, err)
	unpaid := e.signedContract(e.sales, bob, "50000")
	e.event(e.sales, paid, "Assigned gala", e.support)
	e.event(e.sales, unpaid, "Lonely fair", nil)
	b := e.loggedIn(e.mgr)
	cases := []struct{ path, shows, hides string }{
		{"/admin/contracts?unpaid=true", "#" + itoa(unpaid.ID), `href="/admin/contracts/` + itoa(paid.ID) + `"`},
		{"/admin/contracts?amount_min=2000", "#" + itoa(unpaid.ID), `href="/admin/contracts/` + itoa(paid.ID) + `"`},
		{"/admin/contracts?client_email=" + ann.Email, "#" + itoa(paid.ID), `href="/admin/contracts/` + itoa(unpaid.ID) + `"`},
		{"/admin/contracts?q=stone", "#" + itoa(unpaid.ID), `href="/admin/contracts/` + itoa(paid.ID) + `"`},
		{"/admin/contracts?q=ann", "#" + itoa(paid.ID), `href="/admin/contracts/` + itoa(unpaid.ID) + `"`},
		{"/admin/contracts?q=ACME", "#" + itoa(paid.ID), `href="/admin/contracts/` + itoa(unpaid.ID) + `"`},
		{"/admin/contracts?q=" + bob.Email, "#" + itoa(unpaid.ID), `href="/admin/contracts/` + itoa(paid.ID) + `"`},
		{"/admin/contracts?q=stone&status=open", "No results", `href="/admin/contracts/` + itoa(unpaid.ID) + `"`},
		{"/admin/events?unassigned=true", "Lonely fair", "Assigned gala"},
		{"/admin/events?support_contact_id=" + itoa(e.support.ID), "Assigned gala", "Lonely fair"},
		{"/admin/events?q=fair", "Lonely fair", "Assigned gala"},
		{"/admin/events?client_id=" + itoa(ann.ID), "Assigned gala", "Lonely fair"},
		{"/admin/users?role=support", "priya", "sofia@"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			p := b.get(tc.path)
			require.Equal(t, http.StatusOK, p.Status)
			assert.Contains(t, p.Body, tc.shows)
			assert.NotContains(t, p.Body, tc.hides)
		})
	}
}

// TestEventListDateRange filters events by a range of days: both days are included whole, in
// UTC, the count is of the range, the panel keeps the chosen days, and a bad day is refused.
func TestEventListDateRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.signedContract(e.sales, e.client(e.sales, "Ann", "Lee", "Acme"), "1000")
	for _, ev := range []struct {
		name string
		at   time.Time
	}{
		{"Eve mixer", time.Date(2027, 5, 31, 23, 59, 59, 0, time.UTC)},
		{"Opening breakfast", time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"Closing dinner", time.Date(2027, 6, 3, 23, 59, 59, 999999000, time.UTC)},
		{"After party", time.Date(2027, 6, 4, 0, 0, 0, 0, time.UTC)},
	} {
		_, err := e.svc.CreateEvent(e.as(e.sales), crm.EventInput{ContractID: crm.Some(k.ID), Name: crm.Some(ev.name),
			EventDate: crm.Some(ev.at)})
		require.NoError(t, err)
	}
	all := []string{"Eve mixer", "Opening breakfast", "Closing dinner", "After party"}
	cases := []struct {
		query string
		shows []string
	}{
		{"from=2027-06-01&to=2027-06-03", []string{"Opening breakfast", "Closing dinner"}},
		{"from=2027-06-01", []string{"Opening breakfast", "Closing dinner", "After party"}},
		{"to=2027-06-03", []string{"Eve mixer", "Opening breakfast", "Closing dinner"}},
		{"from=2027-06-03&to=2027-06-03", []string{"Closing dinner"}},
		{"from=2027-06-04&to=2027-06-01", nil},
		{"to=9999-12-31", all},
		{"from=2027-06-01&to=2027-06-03&q=dinner", []string{"Closing dinner"}},
	}
	b := e.loggedIn(e.mgr)
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			p := b.get("/admin/events?" + tc.query)
			require.Equal(t, http.StatusOK, p.Status)
			for _, name := range all {
				if slices.Contains(tc.shows, name) {
					assert.Contains(t, p.Body, name)
				} else {
					assert.NotContains(t, p.Body, name)
				}
			}
			want := "No results"
			if len(tc.shows) > 0 {
				want = plural(len(tc.shows))
			}
			assert.Contains(t, p.Body, `id="showing">`+want+`<`, "the count is of the range")
		})
	}
	t.Run("the panel keeps the days and explains them", func(t *testing.T) {
		p := b.get("/admin/events?from=2027-06-01&to=2027-06-03")
		assert.Contains(t, p.Body, `id="f-from" name="from" type="date" value="2027-06-01"`)
		assert.Contains(t, p.Body, `id="f-to" name="to" type="date" value="2027-06-03"`)
		assert.Contains(t, p.Body, `aria-describedby="f-to-help"`)
		assert.Contains(t, p.Body, `id="f-to-help">Days in UTC, both included.<`)
		assert.Contains(t, p.Body, "2 active")
	})
	for _, bad := range []string{"from=tomorrow", "to=2027-13-01", "from=2027-06-01T00:00:00Z"} {
		t.Run(bad, func(t *testing.T) {
			p := b.get("/admin/events?" + bad)
			assert.Equal(t, http.StatusBadRequest, p.Status)
			name, _, _ := strings.Cut(bad, "=")
			assert.Contains(t, p.Body, "<li>"+name+": ", "the page names the filter")
		})
	}
}

// plural writes a count of results as the list pages do.
func plural(n int) string {
	if n == 1 {
		return "1 result"
	}
	return fmt.Sprintf("%d results", n)
}

// html2text undoes the escaping of an attribute value.
func html2text(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }
