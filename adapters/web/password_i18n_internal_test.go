package web

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/epicevents/epiccrm/crm"
)

// TestWeakPasswordMessage checks that a weak_password error is translated reason by reason when
// the catalogue knows every reason, and otherwise shows the policy's English sentences after the
// code's text, so that a custom password policy still explains itself.
func TestWeakPasswordMessage(t *testing.T) {
	fr, en := testLocale(t, "fr"), testLocale(t, "en")
	for _, c := range []struct {
		f      crm.FieldError
		fr, en string
	}{
		{crm.FieldError{Code: crm.FieldWeakPassword, Message: "too short.", Args: []string{"too_short", "12", "too_similar", "email"}},
			"Mot de passe refusé. Il est trop court\u00a0: il doit contenir au moins 12 caractères. Il ressemble trop à l’adresse e-mail.",
			"This password is refused. It is too short: it must contain at least 12 characters. It is too similar to the email address."},
		{crm.FieldError{Code: crm.FieldWeakPassword, Message: "breaks a house rule."},
			"Mot de passe refusé. Breaks a house rule.", "This password is refused. Breaks a house rule."},
		{crm.FieldError{Code: crm.FieldWeakPassword, Message: "too like the nickname.", Args: []string{"too_similar", "nickname"}},
			"Mot de passe refusé. Too like the nickname.", "This password is refused. Too like the nickname."},
		{crm.FieldError{Code: crm.FieldWeakPassword, Message: "too common. rule 7.", Args: []string{"too_common", "rule_7"}},
			"Mot de passe refusé. Too common. rule 7.", "This password is refused. Too common. rule 7."},
		{crm.FieldError{Code: crm.FieldWeakPassword}, "Mot de passe refusé.", "This password is refused."},
	} {
		assert.Equal(t, c.fr, fr.fieldMessage(c.f), "%q", c.f.Args)
		assert.Equal(t, c.en, en.fieldMessage(c.f), "%q", c.f.Args)
	}
}
