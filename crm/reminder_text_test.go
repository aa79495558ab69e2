package crm

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReminderWritingStyles checks how each language writes amounts, days and times, in the
// recipient's zone on both sides of a change of the clocks.
func TestReminderWritingStyles(t *testing.T) {
	t.Parallel()
	en, fr := writingStyles["en"], writingStyles["fr"]
	for m, want := range map[Money]string{0: "0,00\u00a0€", 5: "0,05\u00a0€", 99999: "999,99\u00a0€", 100000: "1\u202f000,00\u00a0€",
		1250000: "12\u202f500,00\u00a0€", 123456789: "1\u202f234\u202f567,89\u00a0€", -150000: "-1\u202f500,00\u00a0€",
		MaxMoney: "999\u202f999\u202f999\u202f999,99\u00a0€"} {
		assert.Equal(t, want, fr.money(m), "French %d", m)
	}
	for m, want := range map[Money]string{1250000: "€12,500.00", 100: "€1.00", -150000: "-€1,500.00", 99999999: "€999,999.99"} {
		assert.Equal(t, want, en.money(m), "English %d", m)
	}
	assert.Equal(t, "1er mars 2026", fr.day(Date{2026, time.March, 1}))
	assert.Equal(t, "31 décembre 2026", fr.day(Date{2026, time.December, 31}))
	assert.Equal(t, "2026-03-01", en.day(Date{2026, time.March, 1}))

	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	d := reminderData{style: fr, zone: paris}
	// Paris moves from UTC+1 to UTC+2 on 29 March 2026.
	assert.Equal(t, "mardi 3 mars 2026 à 14:00 CET", d.When(time.Date(2026, 3, 3, 13, 0, 0, 0, time.UTC)))
	assert.Equal(t, "mardi 31 mars 2026 à 14:00 CEST", d.When(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)))
	assert.Equal(t, "1er avril 2026", d.Day(time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC)), "the day in the recipient's zone")
	d = reminderData{style: en, zone: paris}
	assert.Equal(t, "Tuesday 31 March 2026 at 14:00 CEST", d.When(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)))
	assert.Equal(t, "2026-04-01", d.Day(time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC)))
	assert.Equal(t, "", d.Date(nil))
}

// TestReminderTextsInFrench checks that every kind renders in French, with no-break spaces
// where French typography wants them, on one line for the subject, and that the queue finds
// the language of a message again from its text.
func TestReminderTextsInFrench(t *testing.T) {
	t.Parallel()
	fr, en := defaultReminderTexts["fr"], defaultReminderTexts["en"]
	u := &User{ID: 7, Email: "fanny@epic.example", FirstName: "Fanny", LastName: "Durand"}
	due := Date{2026, time.March, 1}
	at := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	ev := &Event{ID: 4, Name: "Gala\r\nBcc: x@evil.example", EventDate: at, Location: "Lyon", Attendees: 120, Notes: "Salle B"}
	k := &Contract{ID: 9, ClientID: 3, Amount: 2000000, AmountDue: 1250000, PaymentDue: &due}
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, c := range []struct {
		kind          ReminderKind
		data          any
		subject, body string
	}{
		{ReminderEventWithoutSupport, ev, "Événement sans contact support\u00a0: Gala Bcc: x@evil.example le 31 mars 2026",
			"commence le mardi 31 mars 2026 à 14:00 CEST à Lyon et n’a pas encore de contact support."},
		{ReminderContractUnpaid, k, "Contrat 9 impayé\u00a0: 12\u202f500,00\u00a0€ dus depuis le 1er mars 2026",
			"Il reste 12\u202f500,00\u00a0€ à payer sur 20\u202f000,00\u00a0€ au contrat 9 (client 3)\u00a0; le paiement était dû le 1er mars 2026."},
		{ReminderEventTomorrow, ev, "Demain\u00a0: Gala Bcc: x@evil.example",
			"qui commence demain, le mardi 31 mars 2026 à 14:00 CEST, à Lyon, avec 120 participants.\n\nNotes\u00a0: Salle B"},
		{ReminderAssigned, &assignment{Resource: ResourceContract, ID: 9, By: "Maya Boss"}, "Le contrat 9 vous est attribué",
			"Maya Boss a fait de vous le commercial du contrat 9."},
		{ReminderAssigned, &assignment{Resource: ResourceEvent, ID: 4, Name: "Gala"}, "L’événement 4 vous est attribué\u00a0: Gala",
			"Vous êtes désormais le contact support de l’événement 4 (Gala)."},
	} {
		m, err := fr.render(c.kind, u, paris, c.data)
		require.NoError(t, err)
		assert.Equal(t, c.subject, m.Subject)
		assert.NotContains(t, m.Subject, "\n")
		assert.True(t, strings.HasPrefix(m.Body, "Bonjour Fanny Durand,\n\n"), m.Body)
		assert.Contains(t, m.Body, c.body)
		assert.True(t, strings.HasSuffix(m.Body, "Vous pouvez désactiver ce type de rappel dans vos réglages de notification.\n"), m.Body)
		assert.NotContains(t, m.Body, `\u00a0`, "every placeholder replaced")
		assert.Equal(t, "fr", m.Language)
		m.Language = "" // as the queue gives it back
		assert.Equal(t, "fr", mailLanguage(defaultReminderTexts, m))

		m, err = en.render(c.kind, u, paris, c.data)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(m.Body, "Hello Fanny Durand,"))
		m.Language = ""
		assert.Equal(t, "en", mailLanguage(defaultReminderTexts, m))
	}
	assert.Equal(t, "", mailLanguage(defaultReminderTexts, Mail{Body: "Some other text\n"}))
}

// TestReminderTextsRefuseAnIncompleteSet checks that a template set missing a kind, or a
// language with no writing style, is refused by name.
func TestReminderTextsRefuseAnIncompleteSet(t *testing.T) {
	t.Parallel()
	_, err := newReminderTexts("fr", strings.Replace(reminderTemplatesFR, `{{define "event_tomorrow.body"}}`, `{{define "other"}}`, 1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "event_tomorrow.body")
	_, err = newReminderTexts("de", reminderTemplatesEN)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"de"`)
}
