package web

import (
	"embed"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the UI shows times in named zones: carry the zone database, so they work on any host

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/i18n"
)

// The admin UI speaks the languages of its message catalogue, locales/<code>.json: one JSON object
// per language from message key to message. A key is the English text of the message (as with
// gettext), or a dotted name for the texts that are not sentences (field.<code> for the field
// error codes of crm, date.month.N for month names). A message is a fmt format, read by
// golang.org/x/text/message: its verbs may be indexed (%[2]s) when a language orders the
// arguments differently, and numbers are written the language's way. A message that depends on a
// count is an object of CLDR plural forms ({"one": "%d result", "other": "%d results"}), selected
// by its first argument.
//
//go:embed locales/*.json
var localeFiles embed.FS

// Languages are the codes of the languages the UI speaks, the default first.
var Languages = i18n.Languages

// DefaultLanguage and DefaultTimeZone are what the UI uses when Config leaves them empty.
const (
	DefaultLanguage = "en"
	DefaultTimeZone = "Europe/Paris"
)

// catalogue is the parsed message catalogue.
type catalogue struct {
	cat  *catalog.Builder
	msgs map[string]map[string]any // language -> key -> message (a string or plural forms)
}

// loadCatalogue reads every language's file into one x/text catalogue.
func loadCatalogue() (*catalogue, error) {
	c, err := i18n.Load(localeFiles, Languages, func(lang string) string { return path.Join("locales", lang+".json") })
	if err != nil {
		return nil, err
	}
	return &catalogue{cat: c.Builder, msgs: c.Messages}, nil
}

// msg marks a string as a catalogue key that is translated later (with locale.T), where it is
// stored first in a table: the catalogue test finds the keys in msg(...) and T(...) calls.
func msg(key string) string { return key }

// locale is how one request is shown: its language, time zone and theme. Every handler gets it
// with localeOf, and every text it writes goes through T.
type locale struct {
	Lang  string // a code of Languages
	Theme string // light, dark or auto
	tag   language.Tag
	p     *message.Printer
	cat   *catalogue
	zone  *time.Location
}

// T translates key into the locale's language and formats it with args (see localeFiles).
func (l *locale) T(key string, args ...any) string { return l.p.Sprintf(key, args...) }

// newLocale returns the locale of lang (a code of Languages), zone and theme.
func (ui *UI) newLocale(lang string, zone *time.Location, theme string) *locale {
	tag := language.MustParse(lang)
	return &locale{Lang: lang, Theme: theme, tag: tag, zone: zone, cat: ui.cat,
		p: message.NewPrinter(tag, message.Catalog(ui.cat.cat))}
}

// languageCookie holds the language an anonymous visitor chose on the login page.
const languageCookie = "epiccrm_lang"

// localeKey is where a request's locale is kept in fiber's Locals.
const localeKey = "web.locale"

// negotiate picks the UI language for an Accept-Language header: the best supported match by
// q-value (fr-CA is French), or def when nothing in the header is supported (or it is absent or
// malformed).
func negotiate(acceptLanguage, def string) string { return i18n.Negotiate(acceptLanguage, def) }

// supportedLanguage reports whether code is one of Languages.
func supportedLanguage(code string) bool { return i18n.Supported(code) }

// anonymousLocale is the locale of a request before its user is known: the language chosen with
// the login page's switcher (a cookie), else Accept-Language, else the deployment's default; the
// deployment's time zone; the browser's theme.
func (ui *UI) anonymousLocale(c *fiber.Ctx) *locale {
	lang := c.Cookies(languageCookie)
	if !supportedLanguage(lang) {
		lang = negotiate(c.Get(fiber.HeaderAcceptLanguage), ui.cfg.Language)
	}
	return ui.newLocale(lang, ui.zone, crm.ThemeAuto)
}

// userLocale is the locale of a logged-in user: their saved preferences, each falling back to
// the anonymous locale's choice when unset.
func (ui *UI) userLocale(c *fiber.Ctx, p crm.Preferences) *locale {
	anon := localeOf(c)
	lang, zone, theme := anon.Lang, anon.zone, crm.ThemeAuto
	if supportedLanguage(p.Language) {
		lang = p.Language
	}
	if p.TimeZone != "" {
		if z, err := time.LoadLocation(p.TimeZone); err == nil {
			zone = z
		}
	}
	if p.Theme != "" {
		theme = p.Theme
	}
	return ui.newLocale(lang, zone, theme)
}

// localeOf returns the locale the guard set for the request.
func localeOf(c *fiber.Ctx) *locale {
	if l, ok := c.Locals(localeKey).(*locale); ok {
		return l
	}
	panic("web: no locale on the request: the guard did not run")
}

// setLocale makes l the request's locale.
func setLocale(c *fiber.Ctx, l *locale) { c.Locals(localeKey, l) }

// T translates key for the request's user (see locale.T).
func (rq *request) T(key string, args ...any) string { return localeOf(rq.c).T(key, args...) }

// loc returns the request's locale.
func (rq *request) loc() *locale { return localeOf(rq.c) }

// fieldMessage translates a field error of the domain by its code. The English message of the
// domain is kept for a code the catalogue does not know.
func (l *locale) fieldMessage(f crm.FieldError) string {
	if f.Code == "" {
		return capitalize(f.Message)
	}
	switch {
	case f.Code == crm.FieldWeakPassword:
		// Each broken rule of the password policy, after the code's text: translated when the
		// catalogue knows every reason, else the policy's English sentences.
		if why, ok := l.passwordReasons(f); ok {
			return l.T("field.weak_password") + " " + why
		}
		return strings.TrimSpace(l.T("field.weak_password") + " " + capitalize(f.Message))
	case f.Code == crm.FieldOutOfRange && len(f.Args) == 2:
		return l.T("field.out_of_range.between", f.Args[0], f.Args[1])
	case (f.Code == crm.FieldTooLong || f.Code == crm.FieldInvalidPhone) && len(f.Args) == 1:
		return l.T("field."+string(f.Code), f.Args[0])
	case slices.Contains(fieldMessageKeys, "field."+string(f.Code)+"."+f.Field):
		// A rule that says more about one field than the code alone (an address that must
		// be http or https, a list that needs one choice at least).
		return l.T("field." + string(f.Code) + "." + f.Field)
	}
	return l.T("field." + string(f.Code))
}

// fieldRuleKeys are the catalogue keys of the messages of a code on one field, field.<code>.<field>,
// which fieldMessage prefers to the code's own message.
var fieldRuleKeys = []string{msg("field.invalid_value.url"), msg("field.required.events")}

// passwordReasonKeys are the catalogue keys of the password policy's reasons (see
// crm.PasswordProblem), by reason and, for crm.PasswordTooSimilar, the field: each key's
// message takes the reason's values.
var passwordReasonKeys = map[string]string{
	crm.PasswordTooLong:                    "field.weak_password.too_long",
	crm.PasswordTooShort:                   "field.weak_password.too_short",
	crm.PasswordTooCommon:                  "field.weak_password.too_common",
	crm.PasswordNumeric:                    "field.weak_password.entirely_numeric",
	crm.PasswordTooSimilar + " username":   "field.weak_password.too_similar.username",
	crm.PasswordTooSimilar + " first_name": "field.weak_password.too_similar.first_name",
	crm.PasswordTooSimilar + " last_name":  "field.weak_password.too_similar.last_name",
	crm.PasswordTooSimilar + " email":      "field.weak_password.too_similar.email",
}

// passwordReasons translates the reasons of a weak_password error, one sentence each, and
// reports whether the catalogue knows them all.
func (l *locale) passwordReasons(f crm.FieldError) (string, bool) {
	problems := crm.WeakPasswordReasons(f)
	if len(problems) == 0 {
		return "", false
	}
	out := make([]string, 0, len(problems))
	for _, p := range problems {
		key, args := passwordReasonKeys[p.Reason], p.Args
		if p.Reason == crm.PasswordTooSimilar {
			key, args = passwordReasonKeys[p.Reason+" "+p.Args[0]], nil
		}
		if key == "" {
			return "", false
		}
		anyArgs := make([]any, len(args))
		for i, a := range args {
			anyArgs[i] = a
		}
		out = append(out, l.T(key, anyArgs...))
	}
	return strings.Join(out, " "), true
}

// text shows a sentence of the domain in the locale's language: its English format is the
// catalogue key (as for the UI's own sentences), and its arguments are translated when they are
// words of the domain (resources, actions, scopes, roles) or sentences themselves. A format the
// catalogue lacks is shown in English, as the domain wrote it; English shows the domain's own
// text.
func (l *locale) text(t crm.Text) string {
	if !l.formats(t.Format) {
		return t.String()
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		args[i] = l.textArg(a)
	}
	return l.p.Sprintf(t.Format, args...)
}

// textArg translates one argument of a sentence of the domain (see text). Numbers keep their
// digits as they are: they are ids and counts, not amounts.
func (l *locale) textArg(a any) any {
	switch a := a.(type) {
	case crm.Text:
		return l.text(a)
	case crm.Resource:
		return l.domainWord("resource.", string(a))
	case crm.Action:
		return l.domainWord("action.", string(a))
	case crm.Scope:
		return l.domainWord("scope.", string(a))
	case crm.Role:
		return l.roleLabel(a)
	case crm.FieldNames:
		labels := make([]string, len(a))
		for i, f := range a {
			labels[i] = fieldLabelOf(l, f)
		}
		return strings.Join(labels, ", ")
	case int:
		return plainNumber(int64(a))
	case int64:
		return plainNumber(a)
	}
	return a
}

// domainWord translates a word of the domain by its catalogue key prefix+word; a word the
// catalogue does not know (one a user typed, say) is kept as it is.
func (l *locale) domainWord(prefix, word string) string {
	if _, ok := l.cat.msgs[l.Lang][prefix+word]; ok {
		return l.T(prefix + word)
	}
	return word
}

// domainWordKeys are the catalogue keys of the words of the domain that textArg translates.
var domainWordKeys = func() []string {
	var keys []string
	for _, r := range crm.Resources {
		keys = append(keys, "resource."+string(r))
	}
	for _, a := range crm.Actions {
		keys = append(keys, "action."+string(a))
	}
	for _, sc := range crm.Scopes {
		keys = append(keys, "scope."+string(sc))
	}
	return keys
}()

// plainNumber is an integer written with its digits alone, whatever the language (an id of
// 12345 is not "12 345").
type plainNumber int64

// Format implements fmt.Formatter.
func (n plainNumber) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(strconv.FormatInt(int64(n), 10)))
}

// translates reports whether the catalogue translates the domain's format into a language other
// than English.
func (l *locale) translates(format string) bool {
	return l.formats(format) && l.Lang != "en"
}

// formats reports whether the catalogue has the domain's format in the locale's language, English
// included: its arguments are then shown as words of the page (a field's label rather than its
// API name), in English too.
func (l *locale) formats(format string) bool {
	_, ok := l.cat.msgs[l.Lang][format]
	return ok
}

// errorText is the message of a domain error in the locale's language (see text).
func (l *locale) errorText(err error) string { return l.text(crm.ErrorText(err)) }

// errorSentence is the message of a domain error as a sentence of its own: capitalized, with a
// full stop. A message the catalogue cannot translate (one an adapter wrote, say) follows
// generic, a catalogue key that says in the locale's language what kind of refusal it is.
func (l *locale) errorSentence(err error, generic string) string {
	t := crm.ErrorText(err)
	s := capitalize(l.text(t)) + "."
	if l.Lang != "en" && !l.translates(t.Format) {
		return l.T(generic) + " " + s
	}
	return s
}

// fieldMessageKeys are the catalogue keys fieldMessage uses beyond field.<code>.
var fieldMessageKeys = slices.Concat([]string{"field.out_of_range.between"}, fieldRuleKeys, slices.Collect(maps.Values(passwordReasonKeys)))

// parseZone loads a time zone by its IANA name, with an error that says what to do.
func parseZone(name string) (*time.Location, error) {
	z, err := time.LoadLocation(name)
	if err != nil || strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Paris or UTC", name)
	}
	return z, nil
}
