package dbcopy

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// sqliteTime is how the SQLite store writes instants: fixed-width UTC with microseconds.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// dateLayout is a day.
const dateLayout = "2006-01-02"

// normalize turns a value read from either database into the neutral form of its kind: int64,
// bool, float64, string, []byte, time.Time (UTC, microseconds), a YYYY-MM-DD string for a day,
// a compact JSON string, or nil.
func normalize(k kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kindInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int:
			return int64(x), nil
		case bool:
			return map[bool]int64{false: 0, true: 1}[x], nil
		}
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		}
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			return bytes.Clone(x), nil
		case string:
			return []byte(x), nil
		}
	case kindTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			t, err := time.Parse(sqliteTime, x)
			if err != nil {
				if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
					return nil, fmt.Errorf("%q is not an instant (expected %s)", x, sqliteTime)
				}
			}
			return t.UTC().Truncate(time.Microsecond), nil
		}
	case kindDate:
		switch x := v.(type) {
		case time.Time:
			return x.Format(dateLayout), nil
		case string:
			if _, err := time.Parse(dateLayout, x); err != nil {
				return nil, fmt.Errorf("%q is not a day (expected YYYY-MM-DD)", x)
			}
			return x, nil
		}
	case kindJSON:
		var raw []byte
		switch x := v.(type) {
		case string:
			raw = []byte(x)
		case []byte:
			raw = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, err
			}
			raw = b
		}
		return canonicalJSON(raw)
	}
	return nil, fmt.Errorf("unexpected value %v of Go type %T", v, v)
}

// canonicalJSON re-encodes a JSON document compactly with its object keys sorted, numbers kept
// as written, so that the same document reads the same from jsonb and from SQLite text.
func canonicalJSON(raw []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", fmt.Errorf("%q is not JSON: %w", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// forSQLite converts a normalized value to what the SQLite store writes.
func forSQLite(k kind, v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		return x.UTC().Format(sqliteTime)
	}
	return v
}

// forPostgres converts a normalized value to what pgx writes into a column of kind k.
func forPostgres(k kind, v any) any {
	if s, ok := v.(string); ok && k == kindDate {
		t, _ := time.Parse(dateLayout, s) // normalize checked it
		return t
	}
	return v
}

// render writes a normalized row as one line of canonical text, the same whichever database
// it was read from: the input of the table's checksum.
func render(b *strings.Builder, row []any) {
	for i, v := range row {
		if i > 0 {
			b.WriteByte('\t')
		}
		switch x := v.(type) {
		case nil:
			b.WriteString("N")
		case int64:
			b.WriteString("i" + strconv.FormatInt(x, 10))
		case bool:
			b.WriteString("b" + strconv.FormatBool(x))
		case float64:
			b.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
		case string:
			b.WriteString("s" + strconv.Quote(x))
		case []byte:
			b.WriteString("x" + hex.EncodeToString(x))
		case time.Time:
			b.WriteString("t" + x.Format(sqliteTime))
		default:
			fmt.Fprintf(b, "?%v", x)
		}
	}
	b.WriteByte('\n')
}
