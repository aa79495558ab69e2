package csvsafe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCellNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+33 1": "'+33 1", "-3": "'-3", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Acme": "Acme", "1500.00": "1500.00", "a=b": "a=b", "'=x": "'=x",
	} {
		assert.Equal(t, want, Cell(in), "%q", in)
	}
}

func TestExportPagesAndBOM(t *testing.T) {
	var b strings.Builder
	w, err := NewWriter(&b, true)
	require.NoError(t, err)
	cols := []Column[int]{{"n", func(n int) string { return ID(int64(n)) }}, {"neg", func(n int) string { return "-" + ID(int64(n)) }}}
	flushes := 0
	pages := map[string][]int{"2": {3}, "3": {4, 5}}
	next := map[string]string{"2": "3", "3": ""}
	err = Export(w, cols, []int{1, 2}, "2", func(c string) ([]int, string, error) { return pages[c], next[c], nil },
		func() error { flushes++; return nil })
	require.NoError(t, err)
	assert.Equal(t, BOM+"n,neg\r\n1,'-1\r\n2,'-2\r\n3,'-3\r\n4,'-4\r\n5,'-5\r\n", b.String())
	assert.Equal(t, 3, flushes, "one flush per page")

	stop := errors.New("gone")
	err = Export(w, cols, nil, "x", func(string) ([]int, string, error) { return nil, "", stop }, func() error { return nil })
	assert.ErrorIs(t, err, stop)
}

func TestFormats(t *testing.T) {
	at := time.Date(2026, 12, 1, 18, 34, 3, 999_000_000, time.FixedZone("CET", 3600))
	assert.Equal(t, "2026-12-01T17:34:03Z", Time(at))
	assert.Equal(t, "", TimePtr(nil))
	assert.Equal(t, "", Time(time.Time{}))
	assert.Equal(t, "", IDPtr(nil))
	assert.Equal(t, "clients-2026-12-01.csv", Filename("Clients", at))
}
