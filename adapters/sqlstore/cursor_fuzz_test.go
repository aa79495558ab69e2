package sqlstore_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
)

// fuzzSorts are a list and one of its sorts, covering every kind of sort key: the id, 64- and
// 32-bit integers, text and times, ascending and descending.
var fuzzSorts = []struct{ list, sort string }{
	{"clients", "id"}, {"clients", "-last_name"}, {"clients", "date_created"}, {"clients", "-email"},
	{"contracts", "amount"}, {"contracts", "-amount_due"}, {"contracts", "date_updated"}, {"contracts", "status"},
	{"events", "attendees"}, {"events", "-attendees"}, {"events", "name"}, {"events", "-event_date"},
}

// FuzzCursor sends forged cursors to the lists of both stores: raw text (anything a client may
// send), or a well-formed cursor of the sort in use whose value and id are forged. The list
// either accepts the cursor or refuses it as EMALFORMED with a message saying the cursor is
// invalid, before the database sees it: never a panic, and never an error of the database
// (EINTERNAL, a 500), on either store.
func FuzzCursor(f *testing.F) {
	f.Add(uint8(0), false, "", "", int64(0))
	f.Add(uint8(1), false, "not base64!", "", int64(0))
	f.Add(uint8(2), false, base64.RawURLEncoding.EncodeToString([]byte(`{"s":"date_created","v":"x","id":1}`)), "", int64(0))
	f.Add(uint8(3), false, base64.RawURLEncoding.EncodeToString([]byte(`{"s":"-email","v":1,"id":"1"}`)), "", int64(0))
	f.Add(uint8(4), false, base64.RawURLEncoding.EncodeToString([]byte(`[]`)), "", int64(0))
	f.Add(uint8(0), false, base64.StdEncoding.EncodeToString([]byte(`{"s":"id","id":1}`)), "", int64(0))
	for i, v := range []string{"a", "Zoë", "a\x00b", "\xff", "99999999999", "9223372036854775808", "0000-01-01T00:00:00.000000Z",
		"9999-12-31T23:59:59.999999Z", "2147483648", "-2147483649", "2026-01-02T03:04:05Z", "01", "-0", "potential"} {
		f.Add(uint8(i), true, "", v, int64(i)-3)
	}
	f.Add(uint8(0), true, "", "", int64(-1<<63))
	f.Add(uint8(0), true, "", "", int64(1<<63-1))

	ctx := context.Background()
	stores := map[string]lister{"sqlite": sqlitetest.New(f), "postgres": pgtest.New(f)}
	f.Fuzz(func(t *testing.T, pick uint8, structured bool, raw, value string, id int64) {
		s := fuzzSorts[int(pick)%len(fuzzSorts)]
		cursor := raw
		if structured {
			b, err := json.Marshal(map[string]any{"s": s.sort, "v": value, "id": id})
			require.NoError(t, err)
			cursor = base64.RawURLEncoding.EncodeToString(b)
		}
		for name, st := range stores {
			err := listWith(ctx, st, s.list, crm.ListOptions{Sort: s.sort, Cursor: cursor})
			if err == nil {
				continue
			}
			require.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), "%s: list %s sorted by %s, cursor %q (value %q, id %d): %v",
				name, s.list, s.sort, cursor, value, id, err)
			assert.True(t, strings.HasPrefix(crm.ErrorMessage(err), "invalid cursor: "), "%s: unclear message %q", name, crm.ErrorMessage(err))
		}
	})
}
