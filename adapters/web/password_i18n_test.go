package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
)

// French reasons of the password policy, as the catalogue words them.
const (
	frRefused    = "Mot de passe refusé."
	frTooShort   = "Il est trop court\u00a0: il doit contenir au moins 8 caractères."
	frTooLong    = "Il est trop long\u00a0: il doit contenir au plus 1024 octets."
	frTooCommon  = "Il est trop courant."
	frNumeric    = "Il ne contient que des chiffres."
	frByUsername = "Il ressemble trop à l’identifiant."
	frByFirst    = "Il ressemble trop au prénom."
	frByLast     = "Il ressemble trop au nom."
	frByEmail    = "Il ressemble trop à l’adresse e-mail."
)

// passwordError returns the text shown under a form's password field.
func passwordError(t *testing.T, body string) string {
	t.Helper()
	_, after, ok := strings.Cut(body, `id="f-password-error"`)
	require.True(t, ok, "no error under the password field")
	_, after, _ = strings.Cut(after, "<span>")
	text, _, _ := strings.Cut(after, "</span>")
	return strings.TrimSpace(html.UnescapeString(text))
}

// TestWeakPasswordReasonsInFrenchOnTheUserForm checks that management, reading the UI in French,
// is told in French each reason the password policy refuses a new user's password for, in the
// policy's order, and never the policy's English.
func TestWeakPasswordReasonsInFrenchOnTheUserForm(t *testing.T) {
	t.Parallel()
	e := newEnvOn(t, sqlitetest.New(t), web.Config{Language: "fr"})
	b := e.loggedIn(e.mgr)
	b.get("/admin/users/new")
	for _, c := range []struct {
		password, username, first, last, email string
		want                                   []string
	}{
		{"password", "zoe", "", "", "zoe@epic.example", []string{frTooCommon}},
		{"1234", "zoe", "", "", "zoe@epic.example", []string{frTooShort, frTooCommon, frNumeric}},
		{"alice.martin2024", "alice.martin", "", "", "am@epic.example", []string{frByUsername}},
		{"Christopher!!", "cvdb", "Christopher", "", "cv@epic.example", []string{frByFirst}},
		{"vandenberghe77", "cvdb", "", "Vandenberghe", "cv@epic.example", []string{frByLast}},
		{"EpicEvents.com!", "cvdb", "", "", "cv@epicevents.com", []string{frByEmail}},
		{"Martin!", "alice.martin", "", "", "am@epic.example", []string{frByUsername, frTooShort}},
		{strings.Repeat("x", 1025), "zoe", "", "", "zoe@epic.example", []string{frTooLong}},
	} {
		p := b.submit("/admin/users/new", url.Values{"username": {c.username}, "email": {c.email}, "first_name": {c.first},
			"last_name": {c.last}, "role": {"support"}, "is_active": {"false", "true"}, "password": {c.password}})
		require.Equal(t, http.StatusUnprocessableEntity, p.Status, c.password)
		got := passwordError(t, p.Body)
		assert.Equal(t, frRefused+" "+strings.Join(c.want, " "), got, c.password)
		assert.NotContains(t, p.Body, "This password", "no English reason")
		assert.NotContains(t, p.Body, "The password is", "no English reason")
	}
}

// TestWeakPasswordReasonsInFrenchOnThePasswordChangePage checks the same on the page where a
// user changes their own password, the similarity judged against their own record (Sam
// Keller, username sam).
func TestWeakPasswordReasonsInFrenchOnThePasswordChangePage(t *testing.T) {
	t.Parallel()
	e := newEnvOn(t, sqlitetest.New(t), web.Config{Language: "fr"})
	b := e.loggedIn(e.sales)
	b.get("/admin/password")
	for password, want := range map[string][]string{
		"12345678":               {frTooCommon, frNumeric},
		"Keller2027!":            {frByLast},
		"Sam!":                   {frByUsername, frTooShort},
		"qwerty":                 {frTooShort, frTooCommon},
		strings.Repeat("é", 600): {frTooLong},
	} {
		p := b.submit("/admin/password", url.Values{"current_password": {pw}, "password": {password}, "password_confirm": {password}})
		require.Equal(t, http.StatusUnprocessableEntity, p.Status, password)
		assert.Equal(t, frRefused+" "+strings.Join(want, " "), passwordError(t, p.Body), password)
		assert.NotContains(t, p.Body, "This password", "no English reason")
	}
	// In English, the same reasons in the catalogue's English.
	en := newEnv(t)
	b = en.loggedIn(en.sales)
	b.get("/admin/password")
	p := b.submit("/admin/password", url.Values{"current_password": {pw}, "password": {"Sam!"}, "password_confirm": {"Sam!"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, "This password is refused. It is too similar to the username. It is too short: it must contain at least 8 characters.",
		passwordError(t, p.Body))
}
