// Package csvsafe writes CSV files that are safe to open in a spreadsheet, and describes the
// columns of every exported list once for both delivery adapters (the API and the admin UI).
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with =, +,
// -, @, a tab or a carriage return as a formula, so a client named "=HYPERLINK(...)" could act
// on the machine of whoever opens the export. Writer neutralises every such cell by prefixing
// it with a single quote ('), which spreadsheets show as text. Every cell goes through the same
// rule; the values the package formats itself (ids, amounts, times) never start with such a
// character, so they stay plain numbers and dates.
//
// Values are locale-free: times are ISO 8601 in UTC with seconds (2026-12-01T18:34:03Z), days
// are YYYY-MM-DD, money has a decimal point and two decimals (1500.00), booleans are true or
// false, a missing value is an empty cell. The file is UTF-8, with a byte order mark in front
// when asked (Excel needs it to read UTF-8), and lines end with CRLF (RFC 4180).
package csvsafe

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// BOM is the UTF-8 byte order mark that Excel needs to open a UTF-8 CSV file correctly.
const BOM = "\uFEFF"

// Writer writes CSV records with every text cell neutralised against formula injection.
type Writer struct {
	w   *csv.Writer
	row []string
}

// NewWriter returns a Writer on w, which first writes the BOM when bom is true.
func NewWriter(w io.Writer, bom bool) (*Writer, error) {
	if bom {
		if _, err := io.WriteString(w, BOM); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}, nil
}

// Write writes one record of raw cells, each neutralised with Cell.
func (w *Writer) Write(cells ...string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, Cell(c))
	}
	return w.w.Write(w.row)
}

// Flush writes the buffered records to the underlying writer and returns the first error of a
// write or the flush.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Cell returns s, prefixed with a single quote when a spreadsheet would take it for a formula:
// when it starts with =, +, -, @, a tab or a carriage return.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Time formats t as ISO 8601 in UTC to the second; the zero time is an empty cell.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// TimePtr is Time of *t, or an empty cell for nil.
func TimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return Time(*t)
}

// ID formats an id; IDPtr gives an empty cell for nil.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// IDPtr formats *id, or an empty cell for nil.
func IDPtr(id *int64) string {
	if id == nil {
		return ""
	}
	return ID(*id)
}

// Bool formats b as true or false.
func Bool(b bool) string { return strconv.FormatBool(b) }

// Header returns the names of cols, for the first record of a file.
func Header[T any](cols []Column[T]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// Column is one column of an exported list: its header and how a record fills it.
type Column[T any] struct {
	Name  string
	Value func(T) string
}

// Rows writes one record per item with cols.
func Rows[T any](w *Writer, cols []Column[T], items []T) error {
	cells := make([]string, len(cols))
	for _, it := range items {
		for i, c := range cols {
			cells[i] = c.Value(it)
		}
		if err := w.Write(cells...); err != nil {
			return err
		}
	}
	return nil
}

// Filename returns the name of an export file of a list, with the date of at: clients-2026-12-01.csv.
func Filename(list string, at time.Time) string {
	return strings.ToLower(list) + "-" + at.UTC().Format(time.DateOnly) + ".csv"
}

// Export writes the header of cols, then first, then every further page that more returns,
// one page at a time: more is called with the cursor of the page to read and returns the page
// and the cursor of the next ("" after the last). After each page the records are flushed and
// flush is called (to send them on), so an export holds one page in memory however long the
// list. An error of more stops the export and is returned; the caller decides how to tell the
// reader, since the beginning of the file may have been sent already.
func Export[T any](w *Writer, cols []Column[T], first []T, next string,
	more func(cursor string) ([]T, string, error), flush func() error) error {
	if err := w.Write(Header(cols)...); err != nil {
		return err
	}
	page := first
	for {
		if err := Rows(w, cols, page); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		var err error
		if page, next, err = more(next); err != nil {
			return err
		}
	}
}

// Failed is the last record of an export that stopped before its end, so that a reader never
// takes a partial file for a whole one.
func Failed(reason string) []string {
	return []string{"ERROR: the export stopped before its end (" + reason + "): export again"}
}
