package crm_test

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// FuzzCleanText checks the text rule of every field and filter: single-line clean text is
// valid UTF-8 with no control character and no invisible format character (Cf) at all;
// multi-line text allows line breaks and tabs and nothing else more; and single-line clean text
// is always clean multi-line text.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "Ann Lee", "Zoë's gala", "日本語", "a\x00b", "a\nb", "a\r\nb\tc", "\xff\xfe", "a\u0085b",
		"\x7f", "\u200b", "\u202e", "\ufeff", "\u2028", "\U0010FFFF", "\xed\xa0\x80", "\xc0\xaf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		single, multi := crm.CleanText(s), crm.CleanMultilineText(s)
		if single {
			assert.True(t, multi, "%q is clean single-line text but not clean multi-line text", s)
		}
		wantMulti := utf8.ValidString(s)
		wantSingle := wantMulti
		for _, r := range s {
			if unicode.IsControl(r) {
				wantSingle = false
				if r != '\n' && r != '\r' && r != '\t' {
					wantMulti = false
				}
			}
			if unicode.Is(unicode.Cf, r) {
				wantSingle, wantMulti = false, false
			}
		}
		assert.Equal(t, wantSingle, single, "CleanText(%q)", s)
		assert.Equal(t, wantMulti, multi, "multi-line cleanText(%q)", s)
	})
}

// FuzzValidEmail checks that an address the domain accepts is a bare address a mail system
// reads back as itself: at most 254 bytes, clean text with no space, quote or angle bracket,
// one local part and a dotted domain, which net/mail parses back to the same address.
func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"ann@example.com", "Ann.Lee+crm@mail.example.org", "ann@localhost", "ann", "@example.com",
		"ann@", "ann@@example.com", `"ann lee"@example.com`, "Ann <ann@example.com>", "ann@example.com (Ann)",
		"ann@[127.0.0.1]", "ann@exa mple.com", "ann\x00@example.com", "ann@example.com\n", "zoë@exämple.com",
		"a\u0085b@example.com", "a\u00a0b@example.com", "ann@example.com.", "ann@.com", strings.Repeat("a", 250) + "@x.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !crm.ValidEmail(s) {
			return
		}
		assert.LessOrEqual(t, len(s), 254, "%q is too long to be an address", s)
		require.True(t, crm.CleanText(s), "%q is accepted but holds control characters or invalid UTF-8", s)
		assert.False(t, strings.ContainsFunc(s, unicode.IsSpace), "%q is accepted but holds a space", s)
		assert.False(t, strings.ContainsAny(s, `<>"`), "%q is accepted but holds a quote or an angle bracket", s)
		at := strings.LastIndexByte(s, '@')
		require.Positive(t, at, "%q is accepted without a local part", s)
		domain := s[at+1:]
		assert.Contains(t, domain, ".", "%q is accepted without a dotted domain", s)
		a, err := mail.ParseAddress(s)
		require.NoError(t, err, "%q is accepted but net/mail refuses it", s)
		assert.Equal(t, s, a.Address, "%q is accepted but reads back as another address", s)
	})
}
