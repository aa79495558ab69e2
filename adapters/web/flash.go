package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// flash is a one-time message shown on the page after an action ("Client created.").
type flash struct {
	Kind string // success, info or warning: the style of the message
	Text string
}

// flashMessages are the only messages a flash cookie can name: the cookie carries a code, never
// text, so a forged cookie cannot put words on the page.
var flashMessages = func() map[string]flash {
	m := map[string]flash{
		"logged-out":        {"info", msg("You have been logged out.")},
		"session-expired":   {"warning", msg("Your session expired. Please log in again.")},
		"session-ended":     {"warning", msg("Your session has ended. Please log in again.")},
		"password-changed":  {"success", msg("Your password was changed. Your other sessions have been logged out.")},
		"contract-signed":   {"success", msg("The contract is signed, and its client is now an existing client.")},
		"profile-saved":     {"success", msg("Your profile was saved.")},
		"preferences-saved": {"success", msg("Your preferences were saved.")},
	}
	for _, k := range kinds {
		m[k.path+"-created"] = flash{"success", k.words.Created}
		m[k.path+"-saved"] = flash{"success", k.words.Saved}
		m[k.path+"-deleted"] = flash{"success", k.words.Deleted}
	}
	return m
}()

// setFlash leaves the message with code for the next page the browser shows.
func (ui *UI) setFlash(c *fiber.Ctx, code string) {
	if _, ok := flashMessages[code]; ok {
		ui.setCookie(c, flashCookie, code, time.Minute, fiber.CookieSameSiteLaxMode)
	}
}

// takeFlash returns the pending message, if any, and clears it.
func (ui *UI) takeFlash(c *fiber.Ctx) *flash {
	code := c.Cookies(flashCookie)
	if code == "" {
		return nil
	}
	ui.setCookie(c, flashCookie, "", -1, fiber.CookieSameSiteLaxMode)
	if f, ok := flashMessages[code]; ok {
		f.Text = localeOf(c).T(f.Text)
		return &f
	}
	return nil
}
