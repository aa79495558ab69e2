// Package web is the admin UI of EpicCRM: a server-rendered back office, mounted under /admin on a
// Fiber app (below any prefix, see Config.BasePath), in the spirit of Django's admin. It offers a dashboard, a list page with search,
// filters, sorting and paging for each resource, create, edit and delete forms with inline
// validation errors, a history page per record drawn from the audit log, and a page to change
// one's own password.
//
// Every page and action goes through a crm.Service, so the UI applies exactly the same rules as
// the REST API: a record outside the user's read scope is a 404 page, a refused action a 403
// page, and the UI only offers the actions and fields the user's role allows.
//
// Sessions live in the database (crm.SessionStore): the browser holds a random 256-bit id in an
// HttpOnly, SameSite cookie and the server keeps only its SHA-256. A new id is issued at every
// login, sessions end after an idle and an absolute timeout, on logout, and as soon as the user is
// deactivated or their password or role changes. Every form carries a CSRF token (per session, or
// a double-submit cookie on the login form), cross-site requests are refused, and every response
// carries a strict Content-Security-Policy. Templates are html/template files and the CSS, the
// small script and the icons are embedded in the binary, so the UI works offline.
//
// # Languages, time zones and formats
//
// The UI speaks English and French (Languages). Every text a page shows comes from the message
// catalogue in locales/en.json and locales/fr.json, read into a golang.org/x/text catalogue:
//
//   - in a template, {{t "Log out"}} or, with arguments, {{t "Times are in %s" .Zone}};
//   - in Go, rq.T("History of %s", title) for a request, or l.T(...) for a *locale
//     (localeOf(c) when only the fiber.Ctx is at hand);
//   - a text stored first and translated later (a table of labels) is marked msg("Clients")
//     and passed to T when shown.
//
// A key is the English text itself (gettext style), or a dotted name for what is not a sentence:
// field.<code> translates the crm.FieldCode of a field error (the validation messages next to
// form fields), date.* the parts of dates. A message is a fmt format; %[2]s reorders arguments,
// and a count-dependent message is an object of CLDR plural forms ({"one": ..., "other": ...}).
// To add a text: write it with t/T/msg, add the key to both files (the English value is usually
// the key), and run the tests: TestCatalogueComplete fails on a key missing in either language
// and on a key nothing uses, TestCatalogueFormats on a translation that drops an argument, and
// TestEveryPageInFrench on a page that still shows English from the catalogue. Templates are
// parsed once per language, each set with its own t, so translating costs nothing per request.
//
// The language of a request is the user's saved preference (crm.Preferences, kept by
// Config.Preferences), else the language chosen on the login page (?lang=, kept in a cookie),
// else the best match of Accept-Language (fr-CA is French), else Config.Language. Times are
// stored in UTC and shown and entered in the user's time zone, else Config.TimeZone
// (Europe/Paris by default); the footer names the zone. A wall time in the hour skipped when
// clocks go forward is refused with a message; one in the repeated hour when they go back is
// read as its first pass, unless the record already held the second (an edit saved unchanged
// keeps its instant). Amounts are euros written the CLDR way: €12,500.00 and 12 500,00 € (narrow
// no-break space U+202F between groups, no-break space U+00A0 before the sign). <html> carries
// lang and data-theme (light, dark or auto, the user's preference) for the style sheet.
package web
