package password_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/crm"
)

// The reasons, with Django's messages.
var (
	tooShort = crm.PasswordProblem{Reason: "too_short", Args: []string{"8"},
		Message: "This password is too short. It must contain at least 8 characters."}
	tooCommon    = crm.PasswordProblem{Reason: "too_common", Message: "This password is too common."}
	allDigits    = crm.PasswordProblem{Reason: "entirely_numeric", Message: "This password is entirely numeric."}
	likeUsername = similar("username", "username")
	likeFirst    = similar("first_name", "first name")
	likeLast     = similar("last_name", "last name")
	likeEmail    = similar("email", "email address")
	tooLong      = crm.PasswordProblem{Reason: "too_long", Args: []string{"1024"},
		Message: "This password is too long. It must contain at most 1024 bytes."}
)

func similar(field, name string) crm.PasswordProblem {
	return crm.PasswordProblem{Reason: "too_similar", Args: []string{field}, Message: "The password is too similar to the " + name + "."}
}

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
		want     []crm.PasswordProblem
	}{
		// Accepted.
		{"a strong password", "Tr0ub4dor&3", alice, nil},
		{"a 64-character passphrase", passphrase, alice, nil},
		{"an emoji passphrase", "🐙🦑 octopus and squid dance 🎉", alice, nil},
		{"exactly 1024 bytes", strings.Repeat("x", 1024), alice, nil},
		{"no user, no similarity check", "alice.martin2024", nil, nil},
		{"similarity 2*6/20 = 0.6 is below the threshold", "abcdefwxyz", &crm.User{Username: "abcdefghij"}, nil},

		// MinimumLength counts characters, not bytes.
		{"empty", "", alice, []crm.PasswordProblem{tooShort}},
		{"seven characters", "Xq7#pL2", alice, []crm.PasswordProblem{tooShort}},
		{"eight characters", "Xq7#pL2!", alice, nil},
		{"seven emoji are 28 bytes but seven characters", "🐙🦑🎉🐳🦀🐢🦋", alice, []crm.PasswordProblem{tooShort}},

		// CommonPassword compares lowercased and stripped.
		{"password", "password", alice, []crm.PasswordProblem{tooCommon}},
		{"Password1 is on the list as password1", "Password1", alice, []crm.PasswordProblem{tooCommon}},
		{"upper case", "PASSWORD", alice, []crm.PasswordProblem{tooCommon}},
		{"surrounding spaces", "   password   ", alice, []crm.PasswordProblem{tooCommon}},
		{"qwerty123", "qwerty123", alice, []crm.PasswordProblem{tooCommon}},
		{"first entry of the list", "bigpimpin1", alice, []crm.PasswordProblem{tooCommon}},
		{"last entry of the list", "chobits", alice, []crm.PasswordProblem{tooShort, tooCommon}},
		{"abc1234 is short and common", "abc1234", alice, []crm.PasswordProblem{tooShort, tooCommon}},

		// NumericPassword.
		{"12345678 is common and numeric", "12345678", alice, []crm.PasswordProblem{tooCommon, allDigits}},
		{"1234 fails three rules", "1234", alice, []crm.PasswordProblem{tooShort, tooCommon, allDigits}},
		{"Arabic-Indic digits are digits", "٣٤٥٦٧٨٩٠١٢", alice, []crm.PasswordProblem{allDigits}},
		{"a digit password with a letter is not numeric", "83920571a", alice, nil},

		// UserAttributeSimilarity: the username alice.martin and its parts alice and martin,
		// then first name, last name, email and the email's parts.
		{"username then a year: 2*12/28 = 0.86", "alice.martin2024", alice, []crm.PasswordProblem{likeUsername}},
		{"username part then a year: 2*5/14 = 0.71", "Alice2024", alice, []crm.PasswordProblem{likeUsername}},
		{"order is ignored: 2*12/24 = 1", "nitram.ecila", alice, []crm.PasswordProblem{likeUsername}},
		{"exactly the threshold 2*7/20 = 0.7", "abcdefgxyz", &crm.User{Username: "abcdefghij"}, []crm.PasswordProblem{likeUsername}},
		{"the first name", "Christopher!!", chris, []crm.PasswordProblem{likeFirst}},
		{"the last name", "vandenberghe77", chris, []crm.PasswordProblem{likeLast}},
		{"the last name's letters in another order", "Bergh3-Vanden", chris, []crm.PasswordProblem{likeLast}},
		{"the email's domain part: 2*10/24 = 0.83", "EpicEvents.com!", chris, []crm.PasswordProblem{likeEmail}},
		{"the email without its dot-com", "cv@epicevents", chris, []crm.PasswordProblem{likeEmail}},
		{"similar and short", "Martin!", alice, []crm.PasswordProblem{likeUsername, tooShort}},
		{"similar, short and common", "alice", alice, []crm.PasswordProblem{likeUsername, tooShort, tooCommon}},

		// Over the byte limit nothing else is checked.
		{"1025 bytes", strings.Repeat("x", 1025), alice, []crm.PasswordProblem{tooLong}},
		{"a megabyte of digits", strings.Repeat("1", 1<<20), alice, []crm.PasswordProblem{tooLong}},
		{"257 four-byte emoji", strings.Repeat("🐙", 257), alice, []crm.PasswordProblem{tooLong}},
	}
	h := password.New(password.ForTests)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, h.Validate(tt.password, tt.user))
		})
	}
}
