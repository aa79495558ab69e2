package sqlstore

import (
	"fmt"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// The scan destinations below accept what either kind of driver returns for a time or a day:
// a time.Time (PostgreSQL, through pgx's database/sql scanner support) or text (SQLite).

// timeDest scans a NOT NULL time into *t, in UTC.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	if src == nil {
		return fmt.Errorf("a NULL time where a time is required")
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

// nullTimeDest scans a nullable time into *t (nil for NULL), in UTC.
type nullTimeDest struct{ t **time.Time }

// Scan implements sql.Scanner.
func (d nullTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*d.t = &t
	return nil
}

// nullDateDest scans a nullable day into *d (nil for NULL).
type nullDateDest struct{ d **crm.Date }

// Scan implements sql.Scanner.
func (d nullDateDest) Scan(src any) error {
	var day crm.Date
	switch v := src.(type) {
	case nil:
		*d.d = nil
		return nil
	case time.Time:
		day = crm.DateOf(v)
	case string:
		p, err := crm.ParseDate(v)
		if err != nil {
			return err
		}
		day = p
	case []byte:
		p, err := crm.ParseDate(string(v))
		if err != nil {
			return err
		}
		day = p
	default:
		return fmt.Errorf("cannot scan a %T into a day", src)
	}
	*d.d = &day
	return nil
}

// nullIDDest scans a nullable id into *id (nil for NULL).
type nullIDDest struct{ id **int64 }

// Scan implements sql.Scanner.
func (d nullIDDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.id = nil
	case int64:
		*d.id = &v
	case int32:
		n := int64(v)
		*d.id = &n
	default:
		return fmt.Errorf("cannot scan a %T into an id", src)
	}
	return nil
}

// parseTime reads a time from a driver value.
func parseTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTimeText(v)
	case []byte:
		return parseTimeText(string(v))
	}
	return time.Time{}, fmt.Errorf("cannot scan a %T into a time", src)
}

// parseTimeText reads a time written in TimeLayout (or any RFC 3339 form).
func parseTimeText(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q is not in the form %s", s, TimeLayout)
	}
	return t.UTC(), nil
}
