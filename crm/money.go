package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Money is an exact amount in cents. It is never a float: it is stored as an integer and written
// as a decimal string with two decimals ("1500.00").
type Money int64

// MaxMoney is the largest amount accepted: 999,999,999,999.99, far above any event budget and far
// below the int64 limit, so sums of a few amounts cannot overflow.
const MaxMoney Money = 99_999_999_999_999

// ParseMoney parses a decimal amount with at most two decimals: "1500", "1500.5", "1500.50".
// It refuses signs other than a leading '-', exponents, thousands separators and more than two
// decimals, rather than rounding.
func ParseMoney(s string) (Money, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("%q is not a decimal amount such as 1500.00", orig)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", orig)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	// Leading zeros add nothing ("0012.00" is 12.00): only significant digits count as size.
	if trimmed := strings.TrimLeft(whole, "0"); trimmed != "" {
		whole = trimmed
	} else {
		whole = "0"
	}
	if len(whole) > 13 {
		return 0, fmt.Errorf("%q is too large", orig)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money(w*100 + f)
	if m > MaxMoney {
		return 0, fmt.Errorf("%q is too large", orig)
	}
	if neg {
		m = -m
	}
	return m, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String returns the amount with two decimals, e.g. "1500.00" or "-0.50".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		if v == math.MinInt64 {
			return "-92233720368547758.08"
		}
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// MarshalJSON writes the amount as a decimal string.
func (m Money) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON accepts a decimal string ("1500.00") or a JSON number (1500 or 1500.5); either
// way the digits are parsed exactly, never through a float.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Date is a calendar day without a time or zone, written "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a "YYYY-MM-DD" day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Time returns the start of the day in UTC.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String returns the day as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// MarshalJSON writes the day as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a "YYYY-MM-DD" string.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string in the form YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Opt is one field of an input: Set tells whether the caller gave it at all, Value is what they
// gave. For a nullable field Value is a pointer, and Set with a nil Value clears the field. In
// JSON, a key that is present (even as null) sets the field; an absent key leaves it unset.
type Opt[T any] struct {
	Set   bool
	Value T
}

// Some returns an Opt that sets the field to v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }

// UnmarshalJSON marks the field as set and decodes its value. null is accepted only for a
// nullable field (a pointer): for any other it would silently mean the zero value (null for
// is_active would deactivate a user), so it is an error.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) && reflect.TypeFor[T]().Kind() != reflect.Pointer {
		return fmt.Errorf("must not be null")
	}
	o.Set = true
	return json.Unmarshal(b, &o.Value)
}

// MarshalJSON writes the value (or null when unset), so inputs can be logged and replayed.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// Ptr returns a pointer to v; a convenience for nullable fields and filters.
func Ptr[T any](v T) *T { return &v }
