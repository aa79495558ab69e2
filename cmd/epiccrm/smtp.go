package main

import (
	"flag"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// smtpFlags are the settings of the e-mail reminders (off without --smtp-url).
type smtpFlags struct {
	url   string
	from  string
	days  int
	every time.Duration
}

// register adds the reminder flags to fs.
func (f *smtpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "smtp-url", "", "send e-mail reminders through this SMTP server, smtp://user:password@host:587 "+
		"(STARTTLS when offered) or smtps://...; reminders are off when empty")
	fs.StringVar(&f.from, "smtp-from", "", "the sender address of the reminders, such as \"EpicCRM <crm@example.com>\"")
	fs.IntVar(&f.days, "reminder-days", 7, "remind management of events without support this many days ahead")
	fs.DurationVar(&f.every, "reminder-every", 5*time.Minute, "how often the reminders are checked (each is sent once)")
}

// reminders returns the schedule of the reminders.
func (f *smtpFlags) reminders() crm.ReminderConfig {
	return crm.ReminderConfig{DaysAhead: f.days, Every: f.every}
}
