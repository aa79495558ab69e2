package epiccrm

import (
	"cmp"
	"context"
	"fmt"

	"github.com/epicevents/epiccrm/adapters/mail"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// reminderWorker runs the e-mail reminders in the background until stopped.
type reminderWorker struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startReminders starts the reminders when Config.SMTPURL or Config.Mail is set.
func (a *App) startReminders() error {
	sender := a.cfg.Mail
	if sender == nil {
		if a.cfg.SMTPURL == "" {
			return nil
		}
		s, err := mail.New(mail.Config{URL: a.cfg.SMTPURL, From: a.cfg.SMTPFrom})
		if err != nil {
			return fmt.Errorf("epiccrm.Config.SMTPURL: %w", err)
		}
		sender = s
	}
	rem, err := a.Reminders(sender, a.cfg.Reminders)
	if err != nil {
		return fmt.Errorf("epiccrm: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &reminderWorker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		rem.Run(ctx, func(err error) {
			a.log.Error("reminders: a round failed; the next one tries again", "error", err.Error())
		})
	}()
	a.reminders = w
	return nil
}

// stop stops the worker and waits for its round in progress to end.
func (w *reminderWorker) stop() {
	w.cancel()
	<-w.done
}

// Reminders returns the reminders of the App's service sent through sender, to run a round at
// a time (RunOnce) from a program or a test, whether or not the App runs them in the
// background. Each reminder is written in its recipient's language and time zone (their
// preferences): for a recipient who saved none, in cfg's, else in the admin UI's defaults
// (Config.Admin.Language and TimeZone, the --language and --timezone of serve), so that a user
// reads the reminders as they read the UI.
func (a *App) Reminders(sender crm.MailSender, cfg crm.ReminderConfig) (*crm.Reminders, error) {
	if cfg.Language == "" {
		cfg.Language = cmp.Or(a.cfg.Admin.Language, web.DefaultLanguage)
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = cmp.Or(a.cfg.Admin.TimeZone, web.DefaultTimeZone)
	}
	if ps, ok := a.store.(crm.PreferenceStore); ok && cfg.Preferences == nil {
		cfg.Preferences = ps
	}
	return a.Service.Reminders(sender, cfg)
}
