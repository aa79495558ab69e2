package pycompat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/epicevents/epiccrm/adapters/password/internal/pycompat"
)

// The expected ratios are worked out by hand from difflib's definition, 2*M/T, with M the size of
// the multiset intersection of the code points of a and b and T their total length.
func TestQuickRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"identical", "password", "password", 1.0},
		{"both empty", "", "", 1.0},
		{"one empty", "abc", "", 0.0},
		{"no common code point", "abc", "xyz", 0.0},
		{"one of three differs: 2*2/6", "abc", "abd", 4.0 / 6.0},
		{"order is ignored (ratio would say 1/3)", "abc", "cba", 1.0},
		{"a reversed word is a perfect match", "drowssap", "password", 1.0},
		{"repeats count at most as often as in b: 2*2/5", "aab", "ab", 4.0 / 5.0},
		{"repeats count at most as often as in a: 2*1/11", "a", "aaaaaaaaaa", 2.0 / 11.0},
		{"username inside a longer password: 2*5/15", "alice2024!", "alice", 10.0 / 15.0},
		{"code points, not bytes: 2*1/4", "😀a", "😀b", 2.0 / 4.0},
		{"an accented letter is its own code point: 2*4/10", "élise", "elise", 8.0 / 10.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.InDelta(t, tt.want, pycompat.QuickRatio(tt.a, tt.b), 1e-12)
		})
	}
}

func TestLower(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ABC def", "abc def"},
		{"ÉLISE", "élise"},
		{"İstanbul", "i\u0307stanbul"},
		{"ΟΔΟΣ", "οδος"},
		{"ΟΔΟΣ ΟΔΟΣ", "οδος οδος"},
		{"ΣΑ", "σα"},
		{"Σ", "σ"},
		{"AΣ.", "aς."},
		{"AΣ'B", "aσ'b"},
		{"A'Σ", "a'ς"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pycompat.Lower(tt.in), "Lower(%q)", tt.in)
	}
}

func TestIsDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"12345678", true},
		{"0", true},
		{"", false},
		{"1234567a", false},
		{"1234 5678", false},
		{"-1234", false},
		{"١٢٣٤", true}, // Arabic-Indic digits (Nd)
		{"²³", true},   // superscripts: Numeric_Type=Digit
		{"①②", true},   // circled digits: Numeric_Type=Digit
		{"⑩", false},   // circled ten: Numeric_Type=Numeric
		{"½", false},   // a fraction is numeric, not a digit
		{"Ⅻ", false},   // a Roman numeral is a letter number
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pycompat.IsDigit(tt.in), "IsDigit(%q)", tt.in)
	}
}

func TestStrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  password\t\n", "password"},
		{"\x1cpassword\x1f", "password"},
		{"\u3000pass word\u00a0", "pass word"},
		{"password", "password"},
		{" \t ", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pycompat.Strip(tt.in), "Strip(%q)", tt.in)
	}
}

func TestSplitNonWord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"ann@example.com", []string{"ann", "example", "com"}},
		{"jean-luc", []string{"jean", "luc"}},
		{"snake_case", []string{"snake_case"}},
		{"a--b", []string{"a", "b"}},
		{"@ann", []string{"", "ann"}},
		{"ann.", []string{"ann", ""}},
		{"...", []string{"", ""}},
		{"", []string{""}},
		{"élise-müller", []string{"élise", "müller"}},
		{"名前 ٣", []string{"名前", "٣"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pycompat.SplitNonWord(tt.in), "SplitNonWord(%q)", tt.in)
	}
}
