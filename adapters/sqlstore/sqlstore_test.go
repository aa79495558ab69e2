package sqlstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	errUnique = errors.New("unique violation")
	errFK     = errors.New("foreign key violation")
	errDown   = errors.New("connection refused")
	errOther  = errors.New("syntax error")
)

// dialect returns a test dialect whose Classify knows the errors above.
func dialect(numbered bool) sqlstore.Dialect {
	return sqlstore.Dialect{Name: "TestDB", NumberedPlaceholders: numbered, Classify: func(err error) sqlstore.ErrorKind {
		switch {
		case errors.Is(err, errUnique):
			return sqlstore.KindUnique
		case errors.Is(err, errFK):
			return sqlstore.KindForeignKey
		case errors.Is(err, errDown):
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}}
}

func TestDriverErrorsBecomeCRMErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		driver   error
		code     string
		contains string
	}{
		{"no row", nil, crm.ENOTFOUND, "user 7 not found"},
		{"unique violation", errUnique, crm.ECONFLICT, "conflicts with an existing one"},
		{"foreign key violation", errFK, crm.ECONFLICT, "stands in the way"},
		{"unreachable database", errDown, crm.EUNAVAILABLE, "TestDB database is unavailable"},
		{"deadline", context.DeadlineExceeded, crm.EUNAVAILABLE, "try again"},
		{"anything else", errOther, crm.EINTERNAL, "an internal error occurred"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{err: tc.driver}
			s := sqlstore.New(db, dialect(false))
			_, err := s.FindUser(ctx, 7, crm.Everything)
			assert.Equal(t, tc.code, crm.ErrorCode(err), "find: %v", err)
			err = s.DeleteUser(ctx, 7, crm.EveryWrite, func(*crm.User) ([]crm.AuditEntry, error) { return nil, nil })
			assert.Equal(t, tc.code, crm.ErrorCode(err), "delete: %v", err)
			assert.Contains(t, err.Error(), tc.contains)
			if tc.code != crm.EINTERNAL {
				assertTranslatable(t, err)
			}
			if tc.driver != nil {
				assert.ErrorIs(t, err, tc.driver, "the driver error stays in the chain, for logs")
			}
			assert.Zero(t, db.commits, "a failed write commits nothing")
			assert.Equal(t, 1, db.rollbacks)
		})
	}
	t.Run("unique violation on create", func(t *testing.T) {
		s := sqlstore.New(&fakeDB{err: errUnique}, dialect(false))
		err := s.CreateUser(ctx, &crm.User{Username: "ann"}, nil)
		assert.Equal(t, crm.ECONFLICT, crm.ErrorCode(err))
		assert.Contains(t, crm.ErrorMessage(err), "username or email already in use")
		assertTranslatable(t, err)
	})
	t.Run("a transaction that cannot begin", func(t *testing.T) {
		s := sqlstore.New(&fakeDB{beginErr: errDown}, dialect(false))
		_, err := s.UpdateClient(ctx, 1, crm.EveryWrite, func(*crm.Client) ([]crm.AuditEntry, error) {
			t.Error("fn must not run without a transaction")
			return nil, nil
		})
		assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err))
	})
}

// assertTranslatable checks that err is a crm.Error kept as its English format and arguments,
// which an adapter can translate (crm.ErrorText), and that its message is that sentence.
func assertTranslatable(t *testing.T, err error) {
	t.Helper()
	var e *crm.Error
	if assert.ErrorAs(t, err, &e) {
		assert.NotEmpty(t, e.Format, "%q has no format: an adapter could not translate it", e.Message)
		assert.Equal(t, e.Message, crm.ErrorText(err).String())
	}
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// fullFilters are filters of every list with every field set, a scope and a cursor, so that
// every condition the stores can build shows in their queries.
type fullFilters struct {
	acc       crm.Access
	users     crm.UserFilter
	clients   crm.ClientFilter
	contracts crm.ContractFilter
	events    crm.EventFilter
	audit     crm.AuditFilter
}

func newFullFilters() fullFilters {
	id := int64(3)
	now := time.Now()
	day := crm.DateOf(now)
	later := now.Add(time.Hour)
	amount := crm.Money(100)
	active := true
	cursor := func(sort, value string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"s":"` + sort + `","v":"` + value + `","id":2}`))
	}
	return fullFilters{
		acc: crm.Access{Users: crm.Visibility{SelfID: &id}, Clients: crm.Visibility{OwnerID: &id, SupportID: &id},
			Contracts: crm.Visibility{OwnerID: &id, SupportID: &id}, Events: crm.Visibility{OwnerID: &id, SupportID: &id}},
		users: crm.UserFilter{Q: "a", Username: "b", Email: "c", FirstName: "d", LastName: "e",
			Role: crm.RoleSales, IsActive: &active, ListOptions: crm.ListOptions{Sort: "username", Cursor: cursor("username", "x")}},
		clients: crm.ClientFilter{Q: "a", FirstName: "b", LastName: "c", Email: "d", Company: "e",
			Status: crm.ClientExisting, SalesContactID: &id, ListOptions: crm.ListOptions{Sort: "-date_created",
				Cursor: cursor("-date_created", "2026-01-02T03:04:05.000000Z")}},
		contracts: crm.ContractFilter{Q: "q", ClientID: &id, ClientFirstName: "a", ClientLastName: "b",
			ClientEmail: "c", SalesContactID: &id, Amount: &amount, AmountMin: &amount, AmountMax: &amount,
			DateCreated: &day, Status: crm.ContractOpen, Unpaid: true, ListOptions: crm.ListOptions{Sort: "amount",
				Cursor: cursor("amount", "5")}},
		events: crm.EventFilter{Q: "a", ContractID: &id, ClientID: &id, ClientFirstName: "b",
			ClientEmail: "c", SalesContactID: &id, SupportContactID: &id, Unassigned: true, EventDate: &day,
			From: &now, To: &later, Status: crm.EventOpen, ListOptions: crm.ListOptions{Cursor: cursor("id", "")}},
		audit: crm.AuditFilter{Resource: crm.ResourceClient, ResourceID: 1, ActorID: 2,
			ListOptions: crm.ListOptions{Sort: "at", Cursor: cursor("at", "2026-01-02T03:04:05.000000Z")}},
	}
}

// TestPlaceholdersMatchArguments builds every list and count query with every filter, a scope
// and a cursor, and checks that its placeholders and its parameters line up in both styles.
func TestPlaceholdersMatchArguments(t *testing.T) {
	ctx := context.Background()
	f := newFullFilters()
	counted := func(_ int, err error) error { return err }
	listed := func(_ any, _ string, err error) error { return err }
	queries := map[string]func(s *sqlstore.Store) error{
		"users":           func(s *sqlstore.Store) error { return listed(s.ListUsers(ctx, f.users, f.acc)) },
		"clients":         func(s *sqlstore.Store) error { return listed(s.ListClients(ctx, f.clients, f.acc)) },
		"contracts":       func(s *sqlstore.Store) error { return listed(s.ListContracts(ctx, f.contracts, f.acc)) },
		"events":          func(s *sqlstore.Store) error { return listed(s.ListEvents(ctx, f.events, f.acc)) },
		"audit":           func(s *sqlstore.Store) error { return listed(s.ListAudit(ctx, f.audit)) },
		"count users":     func(s *sqlstore.Store) error { return counted(s.CountUsers(ctx, f.users, f.acc)) },
		"count clients":   func(s *sqlstore.Store) error { return counted(s.CountClients(ctx, f.clients, f.acc)) },
		"count contracts": func(s *sqlstore.Store) error { return counted(s.CountContracts(ctx, f.contracts, f.acc)) },
		"count events":    func(s *sqlstore.Store) error { return counted(s.CountEvents(ctx, f.events, f.acc)) },
		"find users":      func(s *sqlstore.Store) error { _, err := s.FindUsers(ctx, []int64{1, 2}, f.acc.Users); return err },
		"find clients":    func(s *sqlstore.Store) error { _, err := s.FindClients(ctx, []int64{1, 2}, f.acc.Clients); return err },
		"find contracts": func(s *sqlstore.Store) error {
			_, err := s.FindContracts(ctx, []int64{1, 2}, f.acc.Contracts)
			return err
		},
		"find events":   func(s *sqlstore.Store) error { _, err := s.FindEvents(ctx, []int64{1, 2}, f.acc.Events); return err },
		"find contacts": func(s *sqlstore.Store) error { _, err := s.FindContacts(ctx, []int64{1, 2}, f.acc); return err },
	}
	for name, run := range queries {
		t.Run(name, func(t *testing.T) {
			qdb := &fakeDB{}
			require.NoError(t, run(sqlstore.New(qdb, dialect(false))))
			require.Len(t, qdb.calls, 1)
			q := qdb.calls[0]
			assert.Equal(t, len(q.args), strings.Count(q.query, "?"), "one ? per parameter: %s", q.query)

			ndb := &fakeDB{}
			require.NoError(t, run(sqlstore.New(ndb, dialect(true))))
			require.Len(t, ndb.calls, 1)
			n := ndb.calls[0]
			assert.NotContains(t, n.query, "?")
			matches := placeholder.FindAllStringSubmatch(n.query, -1)
			require.Len(t, matches, len(n.args), "one $n per parameter: %s", n.query)
			for i, m := range matches {
				assert.Equal(t, strconv.Itoa(i+1), m[1], "placeholders are numbered in order")
			}
			assert.Equal(t, q.args, n.args, "both styles pass the same parameters")
		})
	}
}

// TestCountsHaveTheConditionOfTheirList checks that each count runs over the FROM and WHERE of
// its list, scope and filters included, with the same parameters, and that it leaves out what
// only a page needs: the cursor, the order and the limit.
func TestCountsHaveTheConditionOfTheirList(t *testing.T) {
	ctx := context.Background()
	f := newFullFilters()
	first := func(o *crm.ListOptions) { o.Cursor = "" }
	first(&f.users.ListOptions)
	first(&f.clients.ListOptions)
	first(&f.contracts.ListOptions)
	first(&f.events.ListOptions)
	for _, tc := range []struct {
		name  string
		list  func(s *sqlstore.Store) error
		count func(s *sqlstore.Store) (int, error)
	}{
		{"users", func(s *sqlstore.Store) error { _, _, err := s.ListUsers(ctx, f.users, f.acc); return err },
			func(s *sqlstore.Store) (int, error) { return s.CountUsers(ctx, f.users, f.acc) }},
		{"clients", func(s *sqlstore.Store) error { _, _, err := s.ListClients(ctx, f.clients, f.acc); return err },
			func(s *sqlstore.Store) (int, error) { return s.CountClients(ctx, f.clients, f.acc) }},
		{"contracts", func(s *sqlstore.Store) error { _, _, err := s.ListContracts(ctx, f.contracts, f.acc); return err },
			func(s *sqlstore.Store) (int, error) { return s.CountContracts(ctx, f.contracts, f.acc) }},
		{"events", func(s *sqlstore.Store) error { _, _, err := s.ListEvents(ctx, f.events, f.acc); return err },
			func(s *sqlstore.Store) (int, error) { return s.CountEvents(ctx, f.events, f.acc) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{count: 42}
			s := sqlstore.New(db, dialect(true))
			require.NoError(t, tc.list(s))
			n, err := tc.count(s)
			require.NoError(t, err)
			assert.Equal(t, 42, n, "the count is the database's")
			require.Len(t, db.calls, 2)
			list, count := db.calls[0], db.calls[1]

			from := strings.Index(list.query, " FROM ")
			order := strings.Index(list.query, " ORDER BY ")
			require.Positive(t, from, list.query)
			require.Greater(t, order, from, list.query)
			assert.Equal(t, "SELECT COUNT(*)"+list.query[from:order], count.query)
			assert.Contains(t, count.query, " WHERE ", "the scope and the filters are in the count")
			assert.Equal(t, list.args[:len(list.args)-1], count.args, "the list's parameters, but its limit")
		})
	}
	t.Run("a cursor does not narrow a count", func(t *testing.T) {
		db := &fakeDB{count: 7}
		n, err := sqlstore.New(db, dialect(false)).CountClients(ctx, crm.ClientFilter{ListOptions: crm.ListOptions{
			Limit: 1, Sort: "-last_name", Cursor: "not even a cursor"}}, crm.FullAccess)
		require.NoError(t, err)
		assert.Equal(t, 7, n)
		require.Len(t, db.calls, 1)
		assert.Equal(t, "SELECT COUNT(*) FROM clients c", db.calls[0].query)
	})
	t.Run("a failing count", func(t *testing.T) {
		_, err := sqlstore.New(&fakeDB{err: errDown}, dialect(false)).CountEvents(ctx, crm.EventFilter{}, crm.FullAccess)
		assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err))
	})
}

func TestUnknownSortIsMalformed(t *testing.T) {
	s := sqlstore.New(&fakeDB{}, dialect(false))
	_, _, err := s.ListClients(context.Background(), crm.ClientFilter{ListOptions: crm.ListOptions{Sort: "password; DROP TABLE users"}}, crm.FullAccess)
	assert.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), "a sort column outside the list never reaches SQL")
}
