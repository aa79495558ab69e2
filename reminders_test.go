package epiccrm_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/mail"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/smtptest"
)

// reminderWorld is a CRM whose reminders go to a test SMTP server, with a manager M, a sales
// user S and two support users P1 and P2 (P2 turned the reminders of tomorrow's events off).
type reminderWorld struct {
	app  *epiccrm.App
	smtp *smtptest.Server
	m    *crm.User
	s    *crm.User
	p1   *crm.User
	p2   *crm.User
}

// newReminderWorld opens the world on store, its worker running a round every every; opts
// change the configuration first.
func newReminderWorld(t *testing.T, store epiccrm.Store, every time.Duration, opts ...func(*epiccrm.Config)) *reminderWorld {
	t.Helper()
	ctx := context.Background()
	srv := smtptest.New(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	cfg := epiccrm.Config{Store: store, SigningKey: key, Passwords: password.New(password.ForTests),
		SMTPURL: srv.URL(), SMTPFrom: "EpicCRM <crm@epic.example>",
		Reminders: crm.ReminderConfig{Every: every, DaysAhead: 7}}
	for _, o := range opts {
		o(&cfg)
	}
	app, err := epiccrm.Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	// The worker's first round, started by Open, marks where the change log ends.
	require.Eventually(t, func() bool {
		_, started, err := store.Deps().Reminders.ReminderCursor(ctx)
		return err == nil && started
	}, 20*time.Second, 5*time.Millisecond, "the reminders started")
	w := &reminderWorld{app: app, smtp: srv}
	w.m, err = app.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some("maya"), Email: crm.Some("maya@epic.example"),
		FirstName: crm.Some("Maya"), LastName: crm.Some("Boss"), Password: crm.Some("Tangerine-Orbit-42")})
	require.NoError(t, err)
	mk := func(name string, role crm.Role) *crm.User {
		u, err := app.Service.CreateUser(crm.NewContext(ctx, w.m), crm.UserInput{Username: crm.Some(name),
			Email: crm.Some(name + "@epic.example"), FirstName: crm.Some(name), LastName: crm.Some("Tester"),
			Role: crm.Some(role), Password: crm.Some("Tangerine-Orbit-42")})
		require.NoError(t, err)
		return u
	}
	w.s, w.p1, w.p2 = mk("sally", crm.RoleSales), mk("pat", crm.RoleSupport), mk("paula", crm.RoleSupport)
	return w
}

// as returns a context acting as u.
func as(u *crm.User) context.Context { return crm.NewContext(context.Background(), u) }

// sorted returns the messages ordered by recipient then subject.
func sorted(msgs []smtptest.Message) []smtptest.Message {
	sort.Slice(msgs, func(i, j int) bool {
		if msgs[i].To[0] != msgs[j].To[0] {
			return msgs[i].To[0] < msgs[j].To[0]
		}
		return msgs[i].Subject < msgs[j].Subject
	})
	return msgs
}

// TestRemindersReachTheSMTPServerOnce checks, on both stores, that the reminders send each due
// reminder once to its recipient (an event without support and an unpaid
// contract to management, tomorrow's event and an assignment to support), that a user's
// choice to turn a kind off is kept, and that more rounds, in this worker or another, send
// nothing again.
func TestRemindersReachTheSMTPServerOnce(t *testing.T) {
	t.Parallel()
	for _, k := range []struct {
		name string
		open func(testing.TB) epiccrm.Store
	}{
		{"sqlite", func(tb testing.TB) epiccrm.Store { return sqlitetest.New(tb) }},
		{"postgres", func(tb testing.TB) epiccrm.Store { return pgtest.New(tb) }},
	} {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			// The worker Open starts runs its first round only: the test runs the next ones,
			// so that no round sees the records half made.
			w := newReminderWorld(t, k.open(t), time.Hour)
			svc := w.app.Service
			_, err := svc.SetNotificationSettings(as(w.p2), crm.NotificationSettings{crm.ReminderEventTomorrow: false})
			require.NoError(t, err)
			settings, err := svc.NotificationSettings(as(w.p2))
			require.NoError(t, err)
			assert.False(t, settings[crm.ReminderEventTomorrow])
			assert.True(t, settings[crm.ReminderAssigned])
			_, err = svc.SetNotificationSettings(as(w.p2), crm.NotificationSettings{"weekly_digest": true})
			assert.Equal(t, crm.EINVALID, crm.ErrorCode(err), "an unknown kind is refused")

			now := time.Now().UTC()
			yesterday := crm.DateOf(now.AddDate(0, 0, -1))
			tomorrow := crm.DateOf(now).Time().AddDate(0, 0, 1).Add(12 * time.Hour)
			client, err := svc.CreateClient(as(w.s), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
				Email: crm.Some("carla@acme.example"), Company: crm.Some("Acme")})
			require.NoError(t, err)
			contract, err := svc.CreateContract(as(w.s), crm.ContractInput{ClientID: crm.Some(client.ID),
				Amount: crm.Some(crm.Money(150000)), PaymentDue: crm.Some(&yesterday)})
			require.NoError(t, err)
			_, err = svc.SignContract(as(w.s), contract.ID, 0)
			require.NoError(t, err)
			event := func(name string, at time.Time) *crm.Event {
				e, err := svc.CreateEvent(as(w.s), crm.EventInput{ContractID: crm.Some(contract.ID), Name: crm.Some(name),
					EventDate: crm.Some(at), Location: crm.Some("Lyon")})
				require.NoError(t, err)
				return e
			}
			gala, picnic := event("Spring gala", tomorrow), event("Team picnic", tomorrow)
			launch := event("Product launch", tomorrow.AddDate(0, 0, 3))
			_, err = svc.AssignSupport(as(w.m), gala.ID, &w.p1.ID, 0)
			require.NoError(t, err)
			_, err = svc.AssignSupport(as(w.m), picnic.ID, &w.p2.ID, 0)
			require.NoError(t, err)

			other, err := mail.New(mail.Config{URL: w.smtp.URL(), From: "EpicCRM <crm@epic.example>"})
			require.NoError(t, err)
			rem, err := w.app.Reminders(other, crm.ReminderConfig{})
			require.NoError(t, err)
			require.NoError(t, rem.RunOnce(context.Background()))
			msgs := sorted(w.smtp.Messages())
			due := "€1,500.00 due since " + yesterday.String()
			want := []struct{ to, subject, body string }{
				{"maya@epic.example", "Contract " + itoa(contract.ID) + " unpaid: " + due, "still has €1,500.00 of €1,500.00 to pay"},
				{"maya@epic.example", "Event without support: Product launch on " + crm.DateOf(launch.EventDate).String(),
					`The event "Product launch" (event ` + itoa(launch.ID) + `)`},
				{"pat@epic.example", "Event " + itoa(gala.ID) + " is now yours: Spring gala", "Maya Boss made you the support contact of event " + itoa(gala.ID)},
				{"pat@epic.example", "Tomorrow: Spring gala", `You are the support contact of the event "Spring gala"`},
				{"paula@epic.example", "Event " + itoa(picnic.ID) + " is now yours: Team picnic", "the support contact of event " + itoa(picnic.ID)},
			}
			require.Len(t, msgs, len(want), "%+v", msgs)
			for i, m := range msgs {
				assert.Equal(t, []string{want[i].to}, m.To)
				assert.Equal(t, "crm@epic.example", m.From)
				assert.Equal(t, want[i].subject, m.Subject)
				assert.Contains(t, m.Body, want[i].body)
				assert.Contains(t, m.Body, "Hello ")
				assert.Equal(t, "EpicCRM <crm@epic.example>", m.Header.Get("From"))
				assert.Equal(t, "en", m.Header.Get("Content-Language"), "no one saved a language: the deployment's default")
			}

			// More rounds send nothing again.
			require.NoError(t, rem.RunOnce(context.Background()))
			require.NoError(t, rem.RunOnce(context.Background()))
			assert.Len(t, w.smtp.Messages(), len(want), "each reminder is sent once")
		})
	}
}

// TestRemindersInTheRecipientsLanguage checks that each reminder is written in its recipient's
// saved language and time zone, else in the deployment's (the admin UI's --language and
// --timezone): a French reader gets French texts, dates, times and amounts in Paris time on both
// sides of the change to summer time, an English reader in New York English, and a manager who
// saved nothing the deployment's French in UTC; each message names its language.
func TestRemindersInTheRecipientsLanguage(t *testing.T) {
	t.Parallel()
	// Thursday 26 March 2026: Paris goes from UTC+1 to UTC+2 on Sunday 29 March.
	now := time.Date(2026, 3, 26, 9, 0, 0, 0, time.UTC)
	w := newReminderWorld(t, sqlitetest.New(t), time.Hour, func(c *epiccrm.Config) {
		c.Now = func() time.Time { return now }
		c.Admin.Language, c.Admin.TimeZone = "fr", "UTC"
	})
	ctx := context.Background()
	svc := w.app.Service
	prefs := w.app.Store().(crm.PreferenceStore)
	manager := func(name string, p crm.Preferences) *crm.User {
		u, err := svc.CreateUser(as(w.m), crm.UserInput{Username: crm.Some(name), Email: crm.Some(name + "@epic.example"),
			FirstName: crm.Some(name), LastName: crm.Some("Manager"), Role: crm.Some(crm.RoleManagement),
			Password: crm.Some("Tangerine-Orbit-42")})
		require.NoError(t, err)
		require.NoError(t, prefs.SavePreferences(ctx, u.ID, p))
		return u
	}
	manager("fanny", crm.Preferences{Language: "fr", TimeZone: "Europe/Paris"})
	manager("ed", crm.Preferences{Language: "en", TimeZone: "America/New_York", Theme: crm.ThemeDark})

	client, err := svc.CreateClient(as(w.s), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
		Email: crm.Some("carla@acme.example"), Company: crm.Some("Acme")})
	require.NoError(t, err)
	due := crm.Date{Year: 2026, Month: time.March, Day: 25}
	contract, err := svc.CreateContract(as(w.s), crm.ContractInput{ClientID: crm.Some(client.ID),
		Amount: crm.Some(crm.Money(1250000)), PaymentDue: crm.Some(&due)})
	require.NoError(t, err)
	_, err = svc.SignContract(as(w.s), contract.ID, 0)
	require.NoError(t, err)
	for name, at := range map[string]time.Time{
		"Gala de printemps": time.Date(2026, 3, 27, 13, 0, 0, 0, time.UTC), // before the change
		"Lancement":         time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), // after it
	} {
		_, err := svc.CreateEvent(as(w.s), crm.EventInput{ContractID: crm.Some(contract.ID), Name: crm.Some(name),
			EventDate: crm.Some(at), Location: crm.Some("Lyon")})
		require.NoError(t, err)
	}

	rem, err := w.app.Reminders(must(mail.New(mail.Config{URL: w.smtp.URL(), From: "crm@epic.example"})), crm.ReminderConfig{})
	require.NoError(t, err)
	require.NoError(t, rem.RunOnce(ctx))
	k := itoa(contract.ID)
	frUnpaid := "Contrat " + k + " impayé\u00a0: 12\u202f500,00\u00a0€ dus depuis le 25 mars 2026"
	want := map[string][]struct{ subject, body string }{
		"maya@epic.example": { // no preferences: the deployment's French, in UTC
			{frUnpaid, "Il reste 12\u202f500,00\u00a0€ à payer sur 12\u202f500,00\u00a0€ au contrat " + k},
			{"Événement sans contact support\u00a0: Gala de printemps le 27 mars 2026", "commence le vendredi 27 mars 2026 à 13:00 UTC à Lyon"},
			{"Événement sans contact support\u00a0: Lancement le 31 mars 2026", "commence le mardi 31 mars 2026 à 12:00 UTC à Lyon"},
		},
		"fanny@epic.example": { // French in Paris time, winter then summer
			{frUnpaid, "le paiement était dû le 25 mars 2026."},
			{"Événement sans contact support\u00a0: Gala de printemps le 27 mars 2026", "commence le vendredi 27 mars 2026 à 14:00 CET à Lyon"},
			{"Événement sans contact support\u00a0: Lancement le 31 mars 2026", "commence le mardi 31 mars 2026 à 14:00 CEST à Lyon"},
		},
		"ed@epic.example": { // English in New York time
			{"Contract " + k + " unpaid: €12,500.00 due since 2026-03-25", "still has €12,500.00 of €12,500.00 to pay"},
			{"Event without support: Gala de printemps on 2026-03-27", "starts on Friday 27 March 2026 at 09:00 EDT at Lyon"},
			{"Event without support: Lancement on 2026-03-31", "starts on Tuesday 31 March 2026 at 08:00 EDT at Lyon"},
		},
	}
	msgs := w.smtp.Messages()
	require.Len(t, msgs, 9, "%+v", msgs)
	for _, m := range msgs {
		wants, ok := want[m.To[0]]
		require.True(t, ok, "a reminder to %s", m.To[0])
		lang, hello := "fr", "Bonjour "
		if m.To[0] == "ed@epic.example" {
			lang, hello = "en", "Hello "
		}
		assert.Equal(t, lang, m.Header.Get("Content-Language"), m.Subject)
		assert.True(t, strings.HasPrefix(m.Body, hello), m.Body)
		found := false
		for _, wm := range wants {
			if wm.subject == m.Subject {
				found = true
				assert.Contains(t, m.Body, wm.body)
			}
		}
		assert.True(t, found, "unexpected subject %q to %s", m.Subject, m.To[0])
	}
}

// TestEventTomorrowInTheContactsZone checks that "tomorrow" is the support contact's: at 22:30
// UTC on 26 March, an event at 23:30 UTC that day starts tomorrow in Paris (00:30 on the 27th)
// and not in UTC, and one at 23:30 UTC on the 27th starts tomorrow in UTC and not in Paris
// (the 28th there). Each contact hears of their own tomorrow only.
func TestEventTomorrowInTheContactsZone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 26, 22, 30, 0, 0, time.UTC)
	w := newReminderWorld(t, sqlitetest.New(t), time.Hour, func(c *epiccrm.Config) {
		c.Now = func() time.Time { return now }
		c.Admin.TimeZone = "UTC"
	})
	ctx := context.Background()
	svc := w.app.Service
	prefs := w.app.Store().(crm.PreferenceStore)
	require.NoError(t, prefs.SavePreferences(ctx, w.p1.ID, crm.Preferences{Language: "en", TimeZone: "Europe/Paris"}))
	client, err := svc.CreateClient(as(w.s), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
		Email: crm.Some("carla@acme.example"), Company: crm.Some("Acme")})
	require.NoError(t, err)
	contract, err := svc.CreateContract(as(w.s), crm.ContractInput{ClientID: crm.Some(client.ID), Amount: crm.Some(crm.Money(150000))})
	require.NoError(t, err)
	_, err = svc.SignContract(as(w.s), contract.ID, 0)
	require.NoError(t, err)
	for _, ev := range []struct {
		name    string
		at      time.Time
		support *crm.User
	}{
		{"Paris midnight (pat)", time.Date(2026, 3, 26, 23, 30, 0, 0, time.UTC), w.p1},
		{"UTC late night (pat)", time.Date(2026, 3, 27, 23, 30, 0, 0, time.UTC), w.p1},
		{"Paris midnight (paula)", time.Date(2026, 3, 26, 23, 30, 0, 0, time.UTC), w.p2},
		{"UTC late night (paula)", time.Date(2026, 3, 27, 23, 30, 0, 0, time.UTC), w.p2},
	} {
		e, err := svc.CreateEvent(as(w.s), crm.EventInput{ContractID: crm.Some(contract.ID), Name: crm.Some(ev.name),
			EventDate: crm.Some(ev.at), Location: crm.Some("Lyon")})
		require.NoError(t, err)
		_, err = svc.AssignSupport(as(w.m), e.ID, &ev.support.ID, 0)
		require.NoError(t, err)
	}

	rem, err := w.app.Reminders(must(mail.New(mail.Config{URL: w.smtp.URL(), From: "crm@epic.example"})), crm.ReminderConfig{})
	require.NoError(t, err)
	require.NoError(t, rem.RunOnce(ctx))
	got := map[string][]string{}
	for _, m := range w.smtp.Messages() {
		if name, ok := strings.CutPrefix(m.Subject, "Tomorrow: "); ok {
			got[m.To[0]] = append(got[m.To[0]], name)
		}
	}
	assert.Equal(t, map[string][]string{
		w.p1.Email: {"Paris midnight (pat)"},   // in Paris, 00:30 on the 27th
		w.p2.Email: {"UTC late night (paula)"}, // in UTC, 23:30 on the 27th
	}, got)
}

// TestReminderLanguageAndZoneRefused checks that a language the reminders are not written in, or
// an unknown time zone, is refused by name, from the reminders' settings or the admin UI's.
func TestReminderLanguageAndZoneRefused(t *testing.T) {
	t.Parallel()
	w := newReminderWorld(t, sqlitetest.New(t), time.Hour)
	sender := must(mail.New(mail.Config{URL: w.smtp.URL(), From: "crm@epic.example"}))
	_, err := w.app.Reminders(sender, crm.ReminderConfig{Language: "de"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"de"`)
	assert.Contains(t, err.Error(), "en or fr")
	_, err = w.app.Reminders(sender, crm.ReminderConfig{TimeZone: "Mars/Olympus"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"Mars/Olympus"`)
	assert.Contains(t, err.Error(), "IANA")

	_, err = epiccrm.Open(context.Background(), epiccrm.Config{Store: sqlitetest.New(t), Mail: sender,
		Admin: web.Config{TimeZone: "Nowhere/Town"}})
	require.Error(t, err, "the admin UI's time zone is the reminders' default")
	assert.Contains(t, err.Error(), `"Nowhere/Town"`)
}

// failingPreferences is a preference store that cannot be read.
type failingPreferences struct{ crm.PreferenceStore }

func (failingPreferences) FindPreferences(context.Context, int64) (crm.Preferences, error) {
	return crm.Preferences{}, errors.New("preferences unreachable")
}

// TestReminderRoundFailsWhenPreferencesCannotBeRead checks that a round that cannot read a
// recipient's preferences queues and sends nothing (rather than a reminder in the wrong language)
// and says why, and that the next round, once they can be read, sends the reminder.
func TestReminderRoundFailsWhenPreferencesCannotBeRead(t *testing.T) {
	t.Parallel()
	w := newReminderWorld(t, sqlitetest.New(t), time.Hour)
	svc := w.app.Service
	client, err := svc.CreateClient(as(w.s), crm.ClientInput{FirstName: crm.Some("Carla"), LastName: crm.Some("Client"),
		Email: crm.Some("carla@acme.example")})
	require.NoError(t, err)
	contract, err := svc.CreateContract(as(w.s), crm.ContractInput{ClientID: crm.Some(client.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	_, err = svc.SignContract(as(w.s), contract.ID, 0)
	require.NoError(t, err)
	_, err = svc.CreateEvent(as(w.s), crm.EventInput{ContractID: crm.Some(contract.ID), Name: crm.Some("Gala"),
		EventDate: crm.Some(time.Now().Add(72 * time.Hour))})
	require.NoError(t, err)

	sender := must(mail.New(mail.Config{URL: w.smtp.URL(), From: "crm@epic.example"}))
	broken, err := w.app.Reminders(sender, crm.ReminderConfig{Preferences: failingPreferences{}})
	require.NoError(t, err)
	err = broken.RunOnce(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "preferences unreachable")
	assert.Empty(t, w.smtp.Messages())

	rem, err := w.app.Reminders(sender, crm.ReminderConfig{})
	require.NoError(t, err)
	require.NoError(t, rem.RunOnce(context.Background()))
	msgs := w.smtp.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "Event without support: Gala on "+crm.DateOf(time.Now().Add(72*time.Hour).In(paris(t))).String(), msgs[0].Subject)
}

// paris is the zone Europe/Paris, the deployment's default.
func paris(t *testing.T) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	return z
}

// TestReminderRetriedAfterAFailure checks that the worker Open starts sends a reminder of a
// record assigned at its creation, that a message the server refuses is sent again at the next
// round, and then only once.
func TestReminderRetriedAfterAFailure(t *testing.T) {
	t.Parallel()
	w := newReminderWorld(t, sqlitetest.New(t), 20*time.Millisecond)
	w.smtp.Reject(2)
	client, err := w.app.Service.CreateClient(as(w.m), crm.ClientInput{FirstName: crm.Some("Otto"), LastName: crm.Some("Other"),
		Email: crm.Some("otto@globex.example"), SalesContactID: crm.Some(&w.s.ID)})
	require.NoError(t, err)
	msgs := w.smtp.WaitFor(t, 1, 20*time.Second)
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"sally@epic.example"}, msgs[0].To)
	assert.Equal(t, "Client "+itoa(client.ID)+" is now yours: Otto Other", msgs[0].Subject)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, w.smtp.Messages(), 1, "sent once, after the refusals")
}

// TestSMTPConfigRefused checks that Open refuses a bad SMTP setting by name.
func TestSMTPConfigRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, from, want string }{
		{"http://mail.example", "crm@epic.example", "smtp://"},
		{"smtp://mail.example", "", "--smtp-from"},
		{"smtp://mail.example", "not an address", "not an e-mail address"},
	} {
		_, err := epiccrm.Open(context.Background(), epiccrm.Config{Store: sqlitetest.New(t), SMTPURL: c.url, SMTPFrom: c.from})
		require.Error(t, err)
		assert.Contains(t, err.Error(), c.want)
		assert.Contains(t, err.Error(), "SMTPURL")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
