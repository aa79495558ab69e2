package pycompat

import (
	"strings"
	"unicode"
)

// IsDigit reports whether s is non-empty and every code point of it is a digit, as Python's
// str.isdigit does: decimal digits of any script (category Nd) and the characters whose
// Numeric_Type is Digit, such as superscript and circled digits.
func IsDigit(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) && !unicode.Is(numericTypeDigit, r) {
			return false
		}
	}
	return true
}

// numericTypeDigit lists the code points whose Numeric_Type is Digit (not Decimal), from
// Python's unicodedata (Unicode 14): str.isdigit accepts them, str.isdecimal does not.
var numericTypeDigit = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00b2, Hi: 0x00b3, Stride: 1},
		{Lo: 0x00b9, Hi: 0x00b9, Stride: 1},
		{Lo: 0x1369, Hi: 0x1371, Stride: 1},
		{Lo: 0x19da, Hi: 0x19da, Stride: 1},
		{Lo: 0x2070, Hi: 0x2070, Stride: 1},
		{Lo: 0x2074, Hi: 0x2079, Stride: 1},
		{Lo: 0x2080, Hi: 0x2089, Stride: 1},
		{Lo: 0x2460, Hi: 0x2468, Stride: 1},
		{Lo: 0x2474, Hi: 0x247c, Stride: 1},
		{Lo: 0x2488, Hi: 0x2490, Stride: 1},
		{Lo: 0x24ea, Hi: 0x24ea, Stride: 1},
		{Lo: 0x24f5, Hi: 0x24fd, Stride: 1},
		{Lo: 0x24ff, Hi: 0x24ff, Stride: 1},
		{Lo: 0x2776, Hi: 0x277e, Stride: 1},
		{Lo: 0x2780, Hi: 0x2788, Stride: 1},
		{Lo: 0x278a, Hi: 0x2792, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0x10a40, Hi: 0x10a43, Stride: 1},
		{Lo: 0x10e60, Hi: 0x10e68, Stride: 1},
		{Lo: 0x11052, Hi: 0x1105a, Stride: 1},
		{Lo: 0x1f100, Hi: 0x1f10a, Stride: 1},
	},
}

// IsSpace reports whether r is whitespace for Python's str.isspace: Go's unicode.IsSpace plus
// the information separators U+001C to U+001F.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// Strip returns s without leading and trailing whitespace, as Python's str.strip() does.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// isWord reports whether r matches \w in a Python 3 str pattern: a letter, a number or '_'.
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// SplitNonWord splits s around each run of non-word characters, as Python's
// re.split(r'\W+', s) does: a run at either end yields an empty first or last part, and s
// itself is the only part when it has no such run.
func SplitNonWord(s string) []string {
	var parts []string
	start := 0
	inRun := false
	for i, r := range s {
		switch w := isWord(r); {
		case !w && !inRun:
			parts = append(parts, s[start:i])
			inRun = true
		case w && inRun:
			start = i
			inRun = false
		}
	}
	if inRun {
		return append(parts, "")
	}
	return append(parts, s[start:])
}
