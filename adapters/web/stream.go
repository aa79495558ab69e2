package web

import (
	"context"
	"net/http"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/sse"
)

// stream serves the changes the signed-in user may see as Server-Sent Events, for the list pages'
// "N changes — refresh" notice (static/app.js). The scope is the domain's (crm.Stream), the same
// as the API's /api/v1/stream; the stream ends when the session does (logout, expiry, a change of
// password or role, deactivation).
func (ui *UI) stream(rq *request) error {
	c := rq.c
	if ui.cfg.Stream == nil {
		return ui.errorPage(c, rq, http.StatusServiceUnavailable, "No live updates",
			"This server does not offer live updates: reload the page to see changes.")
	}
	ctx := context.WithoutCancel(rq.ctx)
	st, err := ui.svc.OpenStream(ctx, ui.cfg.Stream, 0, false)
	if err != nil {
		return ui.fail(c, rq, err)
	}
	hash, started := rq.session.IDHash, rq.session.CreatedAt
	sse.Serve(c, ctx, st, sse.Options{Draining: ui.cfg.Draining, Recheck: func(ctx context.Context) error {
		s, err := ui.sessions.FindSession(ctx, hash)
		if err == nil && ui.now().Sub(started) > ui.cfg.AbsoluteTimeout {
			err = crm.Errorf(crm.EUNAUTHORIZED, "your session has expired: sign in again")
		}
		if err == nil {
			_, err = ui.svc.Actor(ctx, s.UserID, s.AuthVersion)
		}
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			err = crm.Errorf(crm.EUNAUTHORIZED, "you have signed out: sign in again")
		}
		return err
	}})
	return nil
}
