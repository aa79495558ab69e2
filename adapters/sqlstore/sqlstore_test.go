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
			err = s.DeleteUser(ctx, 7, crm.Everything, func(*crm.User) ([]crm.AuditEntry, error) { return nil, nil })
			assert.Equal(t, tc.code, crm.ErrorCode(err), "delete: %v", err)
			assert.Contains(t, err.Error(), tc.contains)
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
	})
	t.Run("a transaction that cannot begin", func(t *testing.T) {
		s := sqlstore.New(&fakeDB{beginErr: errDown}, dialect(false))
		_, err := s.UpdateClient(ctx, 1, crm.Everything, func(*crm.Client) ([]crm.AuditEntry, error) {
			t.Error("fn must not run without a transaction")
			return nil, nil
		})
		assert.Equal(t, crm.EUNAVAILABLE, crm.ErrorCode(err))
	})
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// TestPlaceholdersMatchArguments builds every list query with every filter, a scope and a
// cursor, and checks that its placeholders and its parameters line up in both styles.
func TestPlaceholdersMatchArguments(t *testing.T) {
	ctx := context.Background()
	id := int64(3)
	day := crm.DateOf(time.Now())
	amount := crm.Money(100)
	active := true
	vis := crm.Visibility{OwnerID: &id, SupportID: &id, SelfID: &id}
	cursor := func(sort, value string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"s":"` + sort + `","v":"` + value + `","id":2}`))
	}
	lists := map[string]func(s *sqlstore.Store) error{
		"users": func(s *sqlstore.Store) error {
			_, _, err := s.ListUsers(ctx, crm.UserFilter{Q: "a", Username: "b", Email: "c", FirstName: "d", LastName: "e",
				Role: crm.RoleSales, IsActive: &active, ListOptions: crm.ListOptions{Sort: "username", Cursor: cursor("username", "x")}}, vis)
			return err
		},
		"clients": func(s *sqlstore.Store) error {
			_, _, err := s.ListClients(ctx, crm.ClientFilter{Q: "a", FirstName: "b", LastName: "c", Email: "d", Company: "e",
				Status: crm.ClientExisting, SalesContactID: &id, ListOptions: crm.ListOptions{Sort: "-date_created",
					Cursor: cursor("-date_created", "2026-01-02T03:04:05.000000Z")}}, vis)
			return err
		},
		"contracts": func(s *sqlstore.Store) error {
			_, _, err := s.ListContracts(ctx, crm.ContractFilter{ClientID: &id, ClientFirstName: "a", ClientLastName: "b",
				ClientEmail: "c", SalesContactID: &id, Amount: &amount, AmountMin: &amount, AmountMax: &amount,
				DateCreated: &day, Status: crm.ContractOpen, Unpaid: true, ListOptions: crm.ListOptions{Sort: "amount",
					Cursor: cursor("amount", "5")}}, vis)
			return err
		},
		"events": func(s *sqlstore.Store) error {
			_, _, err := s.ListEvents(ctx, crm.EventFilter{Q: "a", ContractID: &id, ClientID: &id, ClientFirstName: "b",
				ClientEmail: "c", SalesContactID: &id, SupportContactID: &id, Unassigned: true, EventDate: &day,
				Status: crm.EventOpen, ListOptions: crm.ListOptions{Cursor: cursor("id", "")}}, vis)
			return err
		},
		"audit": func(s *sqlstore.Store) error {
			_, _, err := s.ListAudit(ctx, crm.AuditFilter{Resource: crm.ResourceClient, ResourceID: 1, ActorID: 2,
				ListOptions: crm.ListOptions{Sort: "at", Cursor: cursor("at", "2026-01-02T03:04:05.000000Z")}})
			return err
		},
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			qdb := &fakeDB{}
			require.NoError(t, list(sqlstore.New(qdb, dialect(false))))
			require.Len(t, qdb.calls, 1)
			q := qdb.calls[0]
			assert.Equal(t, len(q.args), strings.Count(q.query, "?"), "one ? per parameter: %s", q.query)

			ndb := &fakeDB{}
			require.NoError(t, list(sqlstore.New(ndb, dialect(true))))
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

func TestUnknownSortIsMalformed(t *testing.T) {
	s := sqlstore.New(&fakeDB{}, dialect(false))
	_, _, err := s.ListClients(context.Background(), crm.ClientFilter{ListOptions: crm.ListOptions{Sort: "password; DROP TABLE users"}}, crm.Everything)
	assert.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), "a sort column outside the list never reaches SQL")
}
