package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// languageNames are the names of the UI's languages in themselves, as a language switcher shows
// them whatever the page's language.
var languageNames = map[string]string{"en": "English", "fr": "Français"}

// languageSwitch is the language switcher of the pages for visitors who are not logged in.
type languageSwitch struct {
	Label   string
	Choices []languageChoice
}

// languageChoice is one language of the switcher: a link to the same page in that language.
type languageChoice struct {
	Code, Name, Href string
	Current          bool
}

// languageChoices returns the switcher of the current page: each link reloads it with ?lang=.
func (ui *UI) languageChoices(c *fiber.Ctx, l *locale) *languageSwitch {
	s := &languageSwitch{Label: l.T("Language")}
	for _, code := range Languages {
		q := url.Values{}
		if next := c.Query("next"); next != "" {
			q.Set("next", next)
		}
		q.Set("lang", code)
		s.Choices = append(s.Choices, languageChoice{Code: code, Name: languageNames[code],
			Href: ui.root + "/login?" + q.Encode(), Current: code == l.Lang})
	}
	return s
}

// chooseLanguage applies ?lang= of a page for visitors: a supported code becomes the request's
// language and is kept a year in a cookie, so that the login page and what follows speak it
// until the user logs in (their saved preference wins then).
func (ui *UI) chooseLanguage(c *fiber.Ctx) {
	lang := c.Query("lang")
	if !supportedLanguage(lang) {
		return
	}
	ui.setCookie(c, languageCookie, lang, 365*24*time.Hour, fiber.CookieSameSiteLaxMode)
	l := localeOf(c)
	setLocale(c, ui.newLocale(lang, l.zone, l.Theme))
}

// preferencesPage shows the form of the user's own preferences.
func (ui *UI) preferencesPage(rq *request) error {
	p, err := ui.cfg.Preferences.FindPreferences(rq.ctx, rq.actor.ID)
	if err != nil {
		return ui.fail(rq.c, rq, err)
	}
	return ui.renderPreferences(rq, http.StatusOK, values{"language": p.Language, "time_zone": p.TimeZone, "theme": cmp.Or(p.Theme, crm.ThemeAuto)}, formErrors{}, nil)
}

func (ui *UI) renderPreferences(rq *request, status int, v values, errs formErrors, a *alert) error {
	fs := &fieldSet{values: v, errs: errs}
	langs := []option{{Value: "", Label: rq.T("As my browser asks (%s)", languageNames[ui.anonymousLocale(rq.c).Lang])}}
	for _, code := range Languages {
		langs = append(langs, option{Value: code, Label: languageNames[code]})
	}
	fs.add(field{Name: "language", Label: rq.T("Language"), Type: "select", Options: langs, Wide: true})
	fs.add(field{Name: "time_zone", Label: rq.T("Time zone"), Type: "text", Wide: true, Placeholder: ui.zone.String(),
		Help: rq.T("An IANA time zone such as Europe/Paris or America/Montreal. Leave it empty for the server's zone (%s).", ui.zone.String())})
	fs.add(field{Name: "theme", Label: rq.T("Theme"), Type: "select", Wide: true, Options: []option{
		{Value: crm.ThemeAuto, Label: rq.T("Automatic, as my system is set")}, {Value: crm.ThemeLight, Label: rq.T("Light")},
		{Value: crm.ThemeDark, Label: rq.T("Dark")}}})
	title := rq.T("Preferences")
	body := &recordBody{Heading: title, Sub: rq.T("How the back office looks and speaks to you. Times are stored in UTC and shown in your time zone."),
		Form: &formBody{Action: ui.root + "/preferences", Fields: fs.fields, Submit: rq.T("Save preferences"), Cancel: ui.root + "/", Alert: a}}
	vw := ui.newView(rq, "preferences", title, body)
	return ui.render(rq.c, status, "record", vw)
}

// savePreferences saves the user's preferences (POST); the next page already follows them.
func (ui *UI) savePreferences(rq *request) error {
	p := crm.Preferences{Language: postValue(rq.c, "language"), TimeZone: strings.TrimSpace(postValue(rq.c, "time_zone")),
		Theme: postValue(rq.c, "theme")}
	v := values{"language": p.Language, "time_zone": p.TimeZone, "theme": p.Theme}
	err := p.Validate(Languages)
	if err == nil {
		err = ui.cfg.Preferences.SavePreferences(rq.ctx, rq.actor.ID, p)
	}
	if err != nil {
		if status, a, errs, ok := submitFailure(rq.loc(), err, ""); ok {
			return ui.renderPreferences(rq, status, v, errs, a)
		}
		return ui.fail(rq.c, rq, err)
	}
	setLocale(rq.c, ui.userLocale(rq.c, p))
	ui.setFlash(rq.c, "preferences-saved")
	return rq.c.Redirect(ui.root+"/preferences", http.StatusSeeOther)
}
