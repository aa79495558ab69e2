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
package web
