package epiccrm

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/mail"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// Config is everything Open needs. DatabaseURL (or Store) is required, and KeyFile (or
// SigningKey) to serve the REST API; every other field has a working default.
type Config struct {
	// DatabaseURL names the database: postgres://USER@HOST:PORT/DB?... (or postgresql://...),
	// sqlite:PATH, or a bare PATH, which means SQLite. Required unless Store is set.
	DatabaseURL string
	// Store is an already opened store to use instead of DatabaseURL (set one of the two). Open
	// still migrates it unless NoMigrate is set; Close leaves it open, since its opener owns it.
	Store Store
	// NoMigrate keeps Open from applying pending migrations. Open then fails when the schema is
	// not the one this version expects (run `epiccrm migrate up`).
	NoMigrate bool

	// Policy is the path of the permission policy file (Casbin CSV, see package policy); empty
	// means the built-in policy. The App follows the file: a good edit applies within a second,
	// a bad one is logged with its line numbers and changes nothing (see App.Policy).
	Policy string
	// Authorizer, when set, answers the permission questions instead of the policy of Policy
	// (set one of the two): for a policy built in code.
	Authorizer crm.Authorizer
	// PolicyMustMatch makes Open refuse to start when the fingerprint of the policy differs from
	// the one most recently recorded in the database by a process (each records its own at start
	// and after each reload). Without it, a differing process starts, and warns in its log.
	PolicyMustMatch bool
	// PolicyCheck is how often the process compares its policy with the one most recently
	// recorded, warning in its log while they differ: DefaultPolicyCheck (30 s) when 0.
	PolicyCheck time.Duration

	// KeyFile is the path of the Ed25519 key that signs access tokens, a PEM file created with
	// mode 0600 on first start. Share it between the processes that serve one database.
	// Mounting the REST API or the JWKS needs it, or SigningKey; a program that only calls
	// App.Service, or serves only the admin UI, may leave both empty.
	KeyFile string
	// SigningKey is the key that signs access tokens, instead of KeyFile (set one of the two).
	SigningKey ed25519.PrivateKey
	// KeyEncryptionKey, instead of KeyFile or SigningKey, keeps the signing keys in the database,
	// where every process finds them and `epiccrm keys rotate` (RotateSigningKey) replaces them
	// without a restart. It is 32 random bytes in base64 (`openssl rand -base64 32`) that seal
	// the keys with AES-256-GCM; every process on the database needs the same one, and Open
	// refuses one that does not open the stored keys. The first key is made on first start.
	KeyEncryptionKey string
	// KeyRefresh is how often the keys kept in the database are reread, so that a rotation
	// reaches this process: jwtauth.DefaultKeyRefresh (30 s) when 0. A token signed by a key this
	// process does not know yet makes it reread them at once (at most every few seconds).
	KeyRefresh time.Duration
	// Tokens sets the lifetimes and claims of the tokens (see jwtauth.Config): Tokens.Issuer and
	// Tokens.Audience set the iss and aud claims, which every process must agree on. Its Now is
	// Now.
	Tokens jwtauth.Config

	// Passwords hashes and checks passwords; nil means argon2id with the OWASP parameters
	// (password.New(password.Recommended)).
	Passwords crm.Passwords
	// Throttling sets the login throttling limits; the zero value means crm.DefaultThrottling.
	Throttling crm.Throttling
	// Now returns the current time; nil means time.Now. Tests set a clock they move.
	Now func() time.Time
	// Logger receives the access logs and the errors of the API and the admin UI; nil means
	// JSON lines on standard error.
	Logger *slog.Logger
	// Deps, when set, changes the service's dependencies before the service is built: to
	// decorate a store port (tracing, caching) or, in tests, to inject failures.
	Deps func(crm.Deps) crm.Deps

	// API sets the limits of the REST API: body limit, request and readiness timeouts, trusted
	// proxies (see httpapi.Config). Its Logger, BasePath and Collectors are set by Mount.
	API httpapi.Config
	// Admin sets the admin UI: secure cookies, session lifetimes, body limit (see web.Config).
	// Its Logger, Now and BasePath are set by Mount.
	Admin web.Config
	// Without lists the parts Mount leaves out (Mount's own arguments add to it).
	Without []Part

	// SMTPURL, when set, turns the e-mail reminders on: smtp://[user:password@]host[:port]
	// (STARTTLS when the server offers it) or smtps://... (see mail.Config). Off by default.
	SMTPURL string
	// SMTPFrom is the sender of the reminders, required with SMTPURL.
	SMTPFrom string
	// Mail, when set, sends the reminders instead of an SMTP server (SMTPURL is then ignored):
	// for a host with its own mail service, and tests.
	Mail crm.MailSender
	// Reminders sets the schedule of the reminders (see crm.ReminderConfig).
	Reminders crm.ReminderConfig
	// Webhooks sets up the background delivery of webhooks (see WebhookConfig).
	Webhooks WebhookConfig
}

// Part is one of the things Mount serves, to leave out with Config.Without or Mount's
// arguments.
type Part int

// The parts Mount serves, each under the mount prefix.
const (
	// PartAPI is the REST API under /api/v1.
	PartAPI Part = iota + 1
	// PartAdmin is the admin UI under /admin.
	PartAdmin
	// PartDocs is the OpenAPI document (/api/openapi.json) and its reference page (/api/docs).
	PartDocs
	// PartJWKS is the public key set that verifies access tokens (/.well-known/jwks.json).
	PartJWKS
	// PartHealth is the liveness and readiness probes (/healthz, /readyz).
	PartHealth
	// PartMetrics is the Prometheus metrics (/metrics).
	PartMetrics
)

// String returns the name of the part.
func (p Part) String() string {
	switch p {
	case PartAPI:
		return "PartAPI"
	case PartAdmin:
		return "PartAdmin"
	case PartDocs:
		return "PartDocs"
	case PartJWKS:
		return "PartJWKS"
	case PartHealth:
		return "PartHealth"
	case PartMetrics:
		return "PartMetrics"
	}
	return fmt.Sprintf("Part(%d)", int(p))
}

// validate returns an error naming each missing, conflicting or invalid setting.
func (c Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.SMTPURL != "" && c.Mail == nil {
		if _, err := mail.New(mail.Config{URL: c.SMTPURL, From: c.SMTPFrom}); err != nil {
			bad("SMTPURL, SMTPFrom: %v", err)
		}
	}
	switch {
	case c.Store == nil && strings.TrimSpace(c.DatabaseURL) == "":
		bad("DatabaseURL is empty: give postgres://..., sqlite:PATH or a file path (or set Store)")
	case c.Store != nil && c.DatabaseURL != "":
		bad("both DatabaseURL and Store are set: set one")
	}
	switch {
	case c.KeyFile != "" && c.SigningKey != nil:
		bad("both KeyFile and SigningKey are set: set one")
	case c.SigningKey != nil && len(c.SigningKey) != ed25519.PrivateKeySize:
		bad("SigningKey is %d bytes long: want an ed25519.PrivateKey of %d", len(c.SigningKey), ed25519.PrivateKeySize)
	case c.KeyEncryptionKey != "" && (c.KeyFile != "" || c.SigningKey != nil):
		bad("KeyEncryptionKey is set with KeyFile or SigningKey: set one (KeyEncryptionKey keeps the keys in the database)")
	}
	if c.KeyEncryptionKey != "" {
		if _, err := jwtauth.ParseKEK(c.KeyEncryptionKey); err != nil {
			bad("KeyEncryptionKey: %v", err)
		}
	}
	if c.KeyRefresh < 0 {
		bad("KeyRefresh is negative (%s): give a period such as 30s, or 0 for the default", c.KeyRefresh)
	}
	if c.PolicyCheck < 0 {
		bad("PolicyCheck is negative (%s): give a period such as 30s, or 0 for the default", c.PolicyCheck)
	}
	if c.Policy != "" && c.Authorizer != nil {
		bad("both Policy and Authorizer are set: set one")
	}
	if c.API.BodyLimit < 0 {
		bad("API.BodyLimit is negative (%d): give a size in bytes, or 0 for the default", c.API.BodyLimit)
	}
	errs = append(errs, c.Webhooks.validate()...)
	for _, p := range c.Without {
		if err := p.valid(); err != nil {
			bad("Without: %v", err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("epiccrm.Config: %w", errors.Join(errs...))
}

// valid returns an error unless p is one of the parts.
func (p Part) valid() error {
	if p < PartAPI || p > PartMetrics {
		return fmt.Errorf("unknown part %d: use PartAPI, PartAdmin, PartDocs, PartJWKS, PartHealth or PartMetrics", int(p))
	}
	return nil
}

// cleanPrefix checks a mount prefix and returns it without its trailing slash ("" for the root).
func cleanPrefix(prefix string) (string, error) {
	if prefix == "" || prefix == "/" {
		return "", nil
	}
	if !strings.HasPrefix(prefix, "/") {
		return "", fmt.Errorf("epiccrm: the mount prefix %q must start with a slash, such as /crm", prefix)
	}
	p := strings.TrimSuffix(prefix, "/")
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, ":*+?#%\\ \t") {
			return "", fmt.Errorf("epiccrm: the mount prefix %q must be a plain path such as /crm or /tools/crm, "+
				"without empty, dot or wildcard segments", prefix)
		}
	}
	return p, nil
}
