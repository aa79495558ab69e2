package epiccrm

import (
	"context"
	"log/slog"

	"github.com/epicevents/epiccrm/crm"
)

// feed returns the App's one reader of the change log, which the live streams of the API and
// the admin UI share, starting it on first use; nil when the store keeps no change log or it
// cannot be read (the streams then answer 503, and the error is logged).
func (a *App) feed() *crm.Feed {
	a.feedOnce.Do(func() {
		log := a.store.Deps().Changes
		if log == nil {
			return
		}
		f := crm.NewFeed(log, crm.FeedConfig{OnError: func(err error) {
			a.log.Warn("the live stream cannot read the change log; trying again", slog.String("error", err.Error()))
		}})
		if err := f.Start(context.Background()); err != nil {
			a.log.Error("the live stream cannot start: it cannot read the change log", slog.String("error", err.Error()))
			return
		}
		a.changeFeed = f
	})
	return a.changeFeed
}

// closeFeed ends every live stream and stops reading the change log.
func (a *App) closeFeed() {
	a.feedOnce.Do(func() {}) // no feed starts after Close
	if a.changeFeed != nil {
		a.changeFeed.Close()
	}
}

// calendarFeeds returns the users' private calendar feeds, or nil when the store keeps no feed
// secrets. The deleted events they list as cancelled come from the change log, when the store
// keeps one.
func (a *App) calendarFeeds() *crm.Calendars {
	a.calendarsOnce.Do(func() {
		store, ok := a.store.(crm.CalendarStore)
		if !ok {
			return
		}
		a.calendars = crm.NewCalendars(a.Service, store, a.store.Deps().Changes)
	})
	return a.calendars
}
