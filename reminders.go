package epiccrm

import (
	"context"
	"fmt"

	"github.com/epicevents/epiccrm/adapters/mail"
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
	rem, err := a.Service.Reminders(sender, a.cfg.Reminders)
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
// background.
func (a *App) Reminders(sender crm.MailSender, cfg crm.ReminderConfig) (*crm.Reminders, error) {
	return a.Service.Reminders(sender, cfg)
}
