package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sortCase is one sort order of one list: how to list a page, and how to read a row's id and
// sort key. Keys are int64, time.Time or strings of lowercase ASCII letters, which every
// collation orders the same way.
type sortCase[T any] struct {
	sort string
	list func(opts crm.ListOptions) ([]T, string, error)
	id   func(T) int64
	key  func(T) any
}

// checkPaging pages through a list limit rows at a time and checks that it visits each of the
// want rows exactly once, in the order of the sort key, ties broken by id in the same direction.
func checkPaging[T any](t *testing.T, c sortCase[T], limit int, want []int64) {
	t.Helper()
	rows := collect(t, func(cursor string) ([]T, string, error) {
		page, next, err := c.list(crm.ListOptions{Sort: c.sort, Limit: limit, Cursor: cursor})
		if err == nil {
			assert.LessOrEqual(t, len(page), limit, "a page holds at most limit rows")
			if next != "" {
				assert.Len(t, page, limit, "only the last page may be short")
			}
		}
		return page, next, err
	})
	got := ids(rows, c.id)
	assert.ElementsMatch(t, want, got, "sort %q, %d a page: every row exactly once", c.sort, limit)
	desc := c.sort != "" && c.sort[0] == '-'
	for i := 1; i < len(rows); i++ {
		order := compareKeys(c.key(rows[i-1]), c.key(rows[i]))
		if order == 0 {
			order = cmp.Compare(c.id(rows[i-1]), c.id(rows[i]))
		}
		if desc {
			order = -order
		}
		if !assert.Negative(t, order, "sort %q: row %d (id %d) and row %d (id %d) are out of order",
			c.sort, i-1, c.id(rows[i-1]), i, c.id(rows[i])) {
			return
		}
	}
}

func compareKeys(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case string:
		return cmp.Compare(x, b.(string))
	}
	panic(fmt.Sprintf("storetest: unsupported sort key type %T", a))
}

// words are sort keys with duplicates, all lowercase ASCII letters.
var words = []string{"delta", "alpha", "charlie", "alpha", "bravo", "echo", "bravo", "alpha"}

func testPagination(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales, func(u *crm.User) { u.LastName = "zulu" })
	var clients, contracts, events []int64
	var users []int64
	users = append(users, sales.ID)
	for i := 0; i < 22; i++ {
		at := f.now.Add(time.Duration(i%5) * time.Hour)
		u := f.user(crm.RoleSupport, func(u *crm.User) {
			u.Username, u.DateJoined = fmt.Sprintf("%s%c", words[i%len(words)], 'a'+i), at
			u.LastName = words[i%len(words)]
		})
		users = append(users, u.ID)
		c := f.client(&sales.ID, func(c *crm.Client) {
			c.LastName, c.FirstName, c.Company = words[i%len(words)], words[(i+3)%len(words)], words[(i+5)%len(words)]
			c.DateCreated, c.DateUpdated = at, at.Add(time.Duration(i%3)*time.Minute)
			if i%4 == 0 {
				c.Status = crm.ClientExisting
			}
		})
		clients = append(clients, c.ID)
		k := f.contract(c, func(k *crm.Contract) {
			k.Amount, k.AmountDue, k.DateCreated = crm.Money(1000*(i%6)), crm.Money(100*(i%3)), at
		})
		contracts = append(contracts, k.ID)
		e := f.event(k, nil, func(e *crm.Event) {
			e.Name, e.EventDate, e.Attendees = words[i%len(words)], at, i%4
		})
		events = append(events, e.ID)
	}

	userCase := func(sort string, key func(*crm.User) any) sortCase[*crm.User] {
		return sortCase[*crm.User]{sort: sort, id: userID, key: key, list: func(o crm.ListOptions) ([]*crm.User, string, error) {
			return f.s.ListUsers(f.ctx, crm.UserFilter{ListOptions: o}, crm.FullAccess)
		}}
	}
	clientCase := func(sort string, key func(*crm.Client) any) sortCase[*crm.Client] {
		return sortCase[*crm.Client]{sort: sort, id: clientID, key: key, list: func(o crm.ListOptions) ([]*crm.Client, string, error) {
			return f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: o}, crm.FullAccess)
		}}
	}
	contractCase := func(sort string, key func(*crm.Contract) any) sortCase[*crm.Contract] {
		return sortCase[*crm.Contract]{sort: sort, id: contractID, key: key, list: func(o crm.ListOptions) ([]*crm.Contract, string, error) {
			return f.s.ListContracts(f.ctx, crm.ContractFilter{ListOptions: o}, crm.FullAccess)
		}}
	}
	eventCase := func(sort string, key func(*crm.Event) any) sortCase[*crm.Event] {
		return sortCase[*crm.Event]{sort: sort, id: eventID, key: key, list: func(o crm.ListOptions) ([]*crm.Event, string, error) {
			return f.s.ListEvents(f.ctx, crm.EventFilter{ListOptions: o}, crm.FullAccess)
		}}
	}
	byID := func(id int64) any { return id }

	for _, dir := range []string{"", "-"} {
		for _, limit := range []int{1, 4, 22, crm.MaxLimit} {
			t.Run(fmt.Sprintf("%slimit %d", dir, limit), func(t *testing.T) {
				checkPaging(t, userCase(dir+"id", func(u *crm.User) any { return byID(u.ID) }), limit, users)
				checkPaging(t, userCase(dir+"last_name", func(u *crm.User) any { return u.LastName }), limit, users)
				checkPaging(t, userCase(dir+"date_joined", func(u *crm.User) any { return u.DateJoined }), limit, users)
				checkPaging(t, clientCase(dir+"id", func(c *crm.Client) any { return byID(c.ID) }), limit, clients)
				checkPaging(t, clientCase(dir+"last_name", func(c *crm.Client) any { return c.LastName }), limit, clients)
				checkPaging(t, clientCase(dir+"first_name", func(c *crm.Client) any { return c.FirstName }), limit, clients)
				checkPaging(t, clientCase(dir+"company", func(c *crm.Client) any { return c.Company }), limit, clients)
				checkPaging(t, clientCase(dir+"status", func(c *crm.Client) any { return string(c.Status) }), limit, clients)
				checkPaging(t, clientCase(dir+"date_created", func(c *crm.Client) any { return c.DateCreated }), limit, clients)
				checkPaging(t, clientCase(dir+"date_updated", func(c *crm.Client) any { return c.DateUpdated }), limit, clients)
				checkPaging(t, contractCase(dir+"amount", func(k *crm.Contract) any { return int64(k.Amount) }), limit, contracts)
				checkPaging(t, contractCase(dir+"amount_due", func(k *crm.Contract) any { return int64(k.AmountDue) }), limit, contracts)
				checkPaging(t, contractCase(dir+"date_created", func(k *crm.Contract) any { return k.DateCreated }), limit, contracts)
				checkPaging(t, eventCase(dir+"name", func(e *crm.Event) any { return e.Name }), limit, events)
				checkPaging(t, eventCase(dir+"event_date", func(e *crm.Event) any { return e.EventDate }), limit, events)
				checkPaging(t, eventCase(dir+"attendees", func(e *crm.Event) any { return int64(e.Attendees) }), limit, events)
			})
		}
	}

	t.Run("with a filter and a scope", func(t *testing.T) {
		var existing []int64
		for i, id := range clients {
			if i%4 == 0 {
				existing = append(existing, id)
			}
		}
		checkPaging(t, sortCase[*crm.Client]{sort: "-last_name", id: clientID,
			key: func(c *crm.Client) any { return c.LastName },
			list: func(o crm.ListOptions) ([]*crm.Client, string, error) {
				return f.s.ListClients(f.ctx, crm.ClientFilter{Status: crm.ClientExisting, ListOptions: o}, uniform(crm.Visibility{OwnerID: &sales.ID}))
			}}, 2, existing)
	})

	t.Run("audit", func(t *testing.T) {
		all := collect(t, func(cursor string) ([]*crm.AuditEntry, string, error) {
			return f.s.ListAudit(f.ctx, crm.AuditFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit, Cursor: cursor}})
		})
		require.NotEmpty(t, all)
		want := ids(all, func(e *crm.AuditEntry) int64 { return e.ID })
		for _, sort := range []string{"id", "-id", "at", "-at"} {
			checkPaging(t, sortCase[*crm.AuditEntry]{sort: sort, id: func(e *crm.AuditEntry) int64 { return e.ID },
				key: func(e *crm.AuditEntry) any {
					if sort == "id" || sort == "-id" {
						return e.ID
					}
					return e.At
				},
				list: func(o crm.ListOptions) ([]*crm.AuditEntry, string, error) {
					return f.s.ListAudit(f.ctx, crm.AuditFilter{ListOptions: o})
				}}, 7, want)
		}
	})
}

func testPaginationEqualKeys(t *testing.T, f *fixture) {
	var want []int64
	for i := 0; i < 25; i++ {
		c := f.client(nil, func(c *crm.Client) { c.LastName = "smith" })
		want = append(want, c.ID)
	}
	for _, sort := range []string{"last_name", "-last_name", "date_created", "-date_created"} {
		t.Run(sort, func(t *testing.T) {
			var sizes []int
			cursor := ""
			var got []int64
			for {
				page, next, err := f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Sort: sort, Limit: 7, Cursor: cursor}}, crm.FullAccess)
				require.NoError(t, err)
				sizes = append(sizes, len(page))
				got = append(got, ids(page, clientID)...)
				if next == "" {
					break
				}
				require.Less(t, len(sizes), 10, "the cursors loop")
				cursor = next
			}
			assert.Equal(t, []int{7, 7, 7, 4}, sizes)
			expected := append([]int64(nil), want...)
			if sort[0] == '-' {
				for i, j := 0, len(expected)-1; i < j; i, j = i+1, j-1 {
					expected[i], expected[j] = expected[j], expected[i]
				}
			}
			assert.Equal(t, expected, got, "equal keys are ordered by id, each row once")
		})
	}
	t.Run("a full last page has no next cursor", func(t *testing.T) {
		page, next, err := f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Limit: 25}}, crm.FullAccess)
		require.NoError(t, err)
		assert.Len(t, page, 25)
		assert.Empty(t, next)
		page, next, err = f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Limit: 24}}, crm.FullAccess)
		require.NoError(t, err)
		assert.Len(t, page, 24)
		assert.NotEmpty(t, next)
	})
}

func testBadCursor(t *testing.T, f *fixture) {
	for i := 0; i < 3; i++ {
		f.event(f.contract(f.client(nil, func(c *crm.Client) { c.LastName = words[i] })), nil)
	}
	_, lastNameCursor, err := f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Sort: "last_name", Limit: 1}}, crm.FullAccess)
	require.NoError(t, err)
	require.NotEmpty(t, lastNameCursor)
	_, dateCursor, err := f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Sort: "date_created", Limit: 1}}, crm.FullAccess)
	require.NoError(t, err)
	require.NotEmpty(t, dateCursor)
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	listClients := func(sort, cursor string) error {
		_, _, err := f.s.ListClients(f.ctx, crm.ClientFilter{ListOptions: crm.ListOptions{Sort: sort, Limit: 1, Cursor: cursor}}, crm.FullAccess)
		return err
	}
	for _, tc := range []struct{ name, sort, cursor string }{
		{"not base64", "id", "!!not a cursor!!"},
		{"base64 of garbage", "id", raw("garbage")},
		{"base64 of another JSON shape", "id", raw(`["id", 1]`)},
		{"another sort's cursor", "first_name", lastNameCursor},
		{"another direction's cursor", "-last_name", lastNameCursor},
		{"a time sort with a bad value", "date_created", raw(`{"s":"date_created","v":"yesterday","id":1}`)},
		{"a date cursor for an id sort", "id", dateCursor},
	} {
		assertCode(t, crm.EMALFORMED, listClients(tc.sort, tc.cursor), tc.name)
	}
	assert.NoError(t, listClients("last_name", lastNameCursor), "the cursor works with its own sort")

	bad := raw("garbage")
	opts := crm.ListOptions{Cursor: bad}
	_, _, err = f.s.ListUsers(f.ctx, crm.UserFilter{ListOptions: opts}, crm.FullAccess)
	assertCode(t, crm.EMALFORMED, err, "users")
	_, _, err = f.s.ListContracts(f.ctx, crm.ContractFilter{ListOptions: opts}, crm.FullAccess)
	assertCode(t, crm.EMALFORMED, err, "contracts")
	_, _, err = f.s.ListEvents(f.ctx, crm.EventFilter{ListOptions: opts}, crm.FullAccess)
	assertCode(t, crm.EMALFORMED, err, "events")
	_, _, err = f.s.ListAudit(f.ctx, crm.AuditFilter{ListOptions: opts})
	assertCode(t, crm.EMALFORMED, err, "audit")
}
