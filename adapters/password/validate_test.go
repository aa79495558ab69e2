package password_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/crm"
)

// Django's messages.
const (
	tooShort     = "This password is too short. It must contain at least 8 characters."
	tooCommon    = "This password is too common."
	allDigits    = "This password is entirely numeric."
	likeUsername = "The password is too similar to the username."
	likeFirst    = "The password is too similar to the first name."
	likeLast     = "The password is too similar to the last name."
	likeEmail    = "The password is too similar to the email address."
	tooLong      = "This password is too long. It must contain at most 1024 bytes."
)

var alice = &crm.User{Username: "alice.martin", Email: "alice.martin@epicevents.com", FirstName: "Alice", LastName: "Martin"}

// The similarity cases are worked out from difflib's quick_ratio, 2*M/T (M code points in
// common, T in total), against Django's threshold of 0.7.
func TestValidate(t *testing.T) {
	t.Parallel()
	chris := &crm.User{Username: "amartin42", Email: "cv@epicevents.com", FirstName: "Christopher", LastName: "Vandenberghe"}
	passphrase := "correct horse battery staple is a famous comic about passwords!!"
	require.Len(t, passphrase, 64)
	tests := []struct {
		name     string
		password string
		user     *crm.User
		want     []string
	}{
		// Accepted.
		{"a strong password", "Tr0ub4dor&3", alice, nil},
		{"a 64-character passphrase", passphrase, alice, nil},
		{"an emoji passphrase", "🐙🦑 octopus and squid dance 🎉", alice, nil},
		{"exactly 1024 bytes", strings.Repeat("x", 1024), alice, nil},
		{"no user, no similarity check", "alice.martin2024", nil, nil},
		{"similarity 2*6/20 = 0.6 is below the threshold", "abcdefwxyz", &crm.User{Username: "abcdefghij"}, nil},

		// MinimumLength counts characters, not bytes.
		{"empty", "", alice, []string{tooShort}},
		{"seven characters", "Xq7#pL2", alice, []string{tooShort}},
		{"eight characters", "Xq7#pL2!", alice, nil},
		{"seven emoji are 28 bytes but seven characters", "🐙🦑🎉🐳🦀🐢🦋", alice, []string{tooShort}},

		// CommonPassword compares lowercased and stripped.
		{"password", "password", alice, []string{tooCommon}},
		{"Password1 is on the list as password1", "Password1", alice, []string{tooCommon}},
		{"upper case", "PASSWORD", alice, []string{tooCommon}},
		{"surrounding spaces", "   password   ", alice, []string{tooCommon}},
		{"qwerty123", "qwerty123", alice, []string{tooCommon}},
		{"first entry of the list", "bigpimpin1", alice, []string{tooCommon}},
		{"last entry of the list", "chobits", alice, []string{tooShort, tooCommon}},
		{"abc1234 is short and common", "abc1234", alice, []string{tooShort, tooCommon}},

		// NumericPassword.
		{"12345678 is common and numeric", "12345678", alice, []string{tooCommon, allDigits}},
		{"1234 fails three rules", "1234", alice, []string{tooShort, tooCommon, allDigits}},
		{"Arabic-Indic digits are digits", "٣٤٥٦٧٨٩٠١٢", alice, []string{allDigits}},
		{"a digit password with a letter is not numeric", "83920571a", alice, nil},

		// UserAttributeSimilarity: the username alice.martin and its parts alice and martin,
		// then first name, last name, email and the email's parts.
		{"username then a year: 2*12/28 = 0.86", "alice.martin2024", alice, []string{likeUsername}},
		{"username part then a year: 2*5/14 = 0.71", "Alice2024", alice, []string{likeUsername}},
		{"order is ignored: 2*12/24 = 1", "nitram.ecila", alice, []string{likeUsername}},
		{"exactly the threshold 2*7/20 = 0.7", "abcdefgxyz", &crm.User{Username: "abcdefghij"}, []string{likeUsername}},
		{"the first name", "Christopher!!", chris, []string{likeFirst}},
		{"the last name", "vandenberghe77", chris, []string{likeLast}},
		{"the last name's letters in another order", "Bergh3-Vanden", chris, []string{likeLast}},
		{"the email's domain part: 2*10/24 = 0.83", "EpicEvents.com!", chris, []string{likeEmail}},
		{"the email without its dot-com", "cv@epicevents", chris, []string{likeEmail}},
		{"similar and short", "Martin!", alice, []string{likeUsername, tooShort}},
		{"similar, short and common", "alice", alice, []string{likeUsername, tooShort, tooCommon}},

		// Over the byte limit nothing else is checked.
		{"1025 bytes", strings.Repeat("x", 1025), alice, []string{tooLong}},
		{"a megabyte of digits", strings.Repeat("1", 1<<20), alice, []string{tooLong}},
		{"257 four-byte emoji", strings.Repeat("🐙", 257), alice, []string{tooLong}},
	}
	h := password.New(password.ForTests)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, h.Validate(tt.password, tt.user))
		})
	}
}
