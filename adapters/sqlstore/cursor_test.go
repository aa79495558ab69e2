package sqlstore_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lister is the part of a store the cursor tests page through.
type lister interface {
	ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error)
	ListContracts(ctx context.Context, f crm.ContractFilter, acc crm.Access) ([]*crm.Contract, string, error)
	ListEvents(ctx context.Context, f crm.EventFilter, acc crm.Access) ([]*crm.Event, string, error)
}

// forgedCursor returns a cursor for sort with the given value, written the way the store writes
// its own, so that only the value can be wrong.
func forgedCursor(t *testing.T, sort, value string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"s": sort, "v": value, "id": 1})
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorCases are cursor values for sort keys of each kind: those this server could have issued
// (ok), and forged ones that no row can have and that a database would refuse.
var cursorCases = []struct {
	name, list, sort, value string
	ok                      bool
}{
	{"largest attendees", "events", "attendees", "2147483647", true},
	{"attendees beyond int4", "events", "attendees", "99999999999", false},
	{"attendees just beyond int4", "events", "-attendees", "2147483648", false},
	{"negative attendees beyond int4", "events", "attendees", "-2147483649", false},
	{"attendees with a sign", "events", "attendees", "+5", false},
	{"attendees as a decimal", "events", "attendees", "5.0", false},
	{"empty attendees", "events", "attendees", "", false},
	{"bigint amount", "contracts", "amount", "99999999999", true},
	{"largest amount", "contracts", "-amount_due", "9223372036854775807", true},
	{"amount beyond int8", "contracts", "amount", "9223372036854775808", false},
	{"name", "events", "name", "Zoë's gala", true},
	{"name with NUL", "events", "name", "a\x00b", false},
	{"name with a line break", "events", "-name", "a\nb", false},
	{"name with a C1 control", "clients", "last_name", "a\u0085b", false},
	{"event date", "events", "event_date", "2026-01-02T03:04:05.000000Z", true},
	{"first year", "events", "event_date", "0001-01-01T00:00:00.000000Z", true},
	{"time without microseconds", "events", "event_date", "2026-01-02T03:04:05Z", false},
	{"time with an offset", "clients", "-date_created", "2026-01-02T03:04:05.000000+02:00", false},
	{"thirteenth month", "contracts", "date_updated", "2026-13-02T03:04:05.000000Z", false},
	{"not a time", "events", "date_created", "yesterday", false},
}

// listWith lists the first page after cursor on the named list of s.
func listWith(ctx context.Context, s lister, list string, opts crm.ListOptions) error {
	var err error
	switch list {
	case "clients":
		_, _, err = s.ListClients(ctx, crm.ClientFilter{ListOptions: opts}, crm.FullAccess)
	case "contracts":
		_, _, err = s.ListContracts(ctx, crm.ContractFilter{ListOptions: opts}, crm.FullAccess)
	case "events":
		_, _, err = s.ListEvents(ctx, crm.EventFilter{ListOptions: opts}, crm.FullAccess)
	default:
		panic("no list " + list)
	}
	return err
}

// TestForgedCursorValuesAreMalformed checks that a cursor value that does not fit its sort
// column is refused as EMALFORMED before any query, and that the database does not refuse
// (EINTERNAL) any value that fits, on each store.
func TestForgedCursorValuesAreMalformed(t *testing.T) {
	ctx := context.Background()
	t.Run("before any query", func(t *testing.T) {
		for _, tc := range cursorCases {
			t.Run(tc.name, func(t *testing.T) {
				db := &fakeDB{}
				opts := crm.ListOptions{Sort: tc.sort, Cursor: forgedCursor(t, tc.sort, tc.value)}
				err := listWith(ctx, sqlstore.New(db, dialect(true)), tc.list, opts)
				if tc.ok {
					require.NoError(t, err)
					assert.Len(t, db.calls, 1, "the page is queried")
					return
				}
				assert.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), "%v", err)
				assert.Contains(t, crm.ErrorMessage(err), "invalid cursor")
				assert.Empty(t, db.calls, "a forged value never reaches the database")
			})
		}
	})
	stores := map[string]func(t *testing.T) lister{
		"sqlite":   func(t *testing.T) lister { return sqlitetest.New(t) },
		"postgres": func(t *testing.T) lister { return pgtest.New(t) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			for _, tc := range cursorCases {
				opts := crm.ListOptions{Sort: tc.sort, Cursor: forgedCursor(t, tc.sort, tc.value)}
				err := listWith(ctx, s, tc.list, opts)
				if tc.ok {
					assert.NoError(t, err, tc.name)
				} else {
					assert.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), "%s: %v", tc.name, err)
				}
			}
		})
	}
}
