// Package crm is the domain of EpicCRM: its entities (users, clients, contracts, events), the use
// cases a Service offers on them, the rules those use cases enforce (permissions included) and
// the ports (interfaces) that adapters implement: stores, the policy, password hashing.
//
// The package imports only the standard library, and for the canonical forms of usernames and
// emails two packages of pure Unicode data and functions (golang.org/x/text and
// go.mau.fi/util/confusable): no I/O, no framework. Every entry point (the REST API, the admin UI,
// a Go program that embeds the CRM) goes through a Service, so they cannot disagree on a rule.
//
// A Service method takes the acting user from its context (see NewContext) and returns an *Error
// whose code (see ErrorCode) tells what went wrong:
//
//   - ENOTFOUND: no such record, or one outside the caller's read scope (the two look the same);
//   - EFORBIDDEN: a readable record the caller may not change, or a field they may not set;
//   - EINVALID: invalid values, every bad field listed in Error.Fields;
//   - EMALFORMED: an unparseable filter, sort key or cursor;
//   - ECONFLICT: a duplicate, or a state that forbids the change;
//   - EPRECONDITION: the record changed since the version the caller gave;
//   - EUNAUTHORIZED, ETHROTTLED: authentication failures;
//   - EBUSY: too many password checks at once, retry after Error.RetryAfter;
//   - EUNAVAILABLE: the database cannot be reached; EINTERNAL: anything unexpected.
package crm

import (
	"errors"
	"strings"
	"sync"
	"time"
)

// Deps are what a Service needs: one store port per aggregate, the policy and password hashing.
// A store adapter usually implements all the store ports with one value.
type Deps struct {
	Users     UserStore
	Clients   ClientStore
	Contracts ContractStore
	Events    EventStore
	Audit     AuditStore
	// Changes reads the change log (the transactional outbox) that the stores write with every
	// audited write. It is optional: nil when the store keeps none.
	Changes ChangeLog
	// Webhooks keeps the webhooks management registers; optional: without it the webhook use
	// cases answer EUNAVAILABLE.
	Webhooks   WebhookStore
	Throttle   LoginThrottle
	Authorizer Authorizer
	Passwords  Passwords
	// Now returns the current time; nil means time.Now. Tests set it to a fixed clock.
	Now func() time.Time
	// Throttling sets the login throttling limits; zero fields take their DefaultThrottling
	// value.
	Throttling Throttling
	// APIKeys keeps API keys; nil turns them off (KeyActor and the key use cases then fail
	// with EUNAVAILABLE).
	APIKeys APIKeyStore
	// Reminders keeps the reminder queue and each user's choice of reminders; nil turns the
	// reminders and the notification settings off.
	Reminders ReminderStore
	// Hashing bounds the password hashes and checks that run at once; zero fields take their
	// defaults (one per core, DefaultHashWait).
	Hashing Hashing
	// Tx runs the writes of an import in one transaction; without it (nil) imports are refused.
	// A store adapter's Deps() sets it.
	Tx Transactor
	// ImportRows is the most data rows an import file may hold; 0 means DefaultImportRows.
	ImportRows int
}

// Service offers the use cases of the CRM. It is safe for concurrent use.
type Service struct {
	users      UserStore
	clients    ClientStore
	contracts  ContractStore
	events     EventStore
	audit      AuditStore
	webhooks   WebhookStore
	throttle   LoginThrottle
	authz      Authorizer
	passwords  Passwords
	now        func() time.Time
	throttling Throttling
	gates      *gates
	hashing    Hashing
	hashSlots  chan struct{}
	dummyMu    sync.Mutex
	dummyHash  string
	tx         Transactor
	importRows int
	apiKeys    APIKeyStore
	keyUses    keyUses
	reminders  ReminderStore
	changes    ChangeLog
}

// Validate returns an error naming every dependency that is missing (all are required but Now,
// Throttling, Hashing, Tx, ImportRows, Changes and Webhooks), or nil.
func (d Deps) Validate() error {
	var missing []string
	for _, dep := range []struct {
		name string
		nil  bool
	}{
		{"Users", d.Users == nil}, {"Clients", d.Clients == nil}, {"Contracts", d.Contracts == nil},
		{"Events", d.Events == nil}, {"Audit", d.Audit == nil}, {"Throttle", d.Throttle == nil},
		{"Authorizer", d.Authorizer == nil}, {"Passwords", d.Passwords == nil},
	} {
		if dep.nil {
			missing = append(missing, dep.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return errors.New("crm.Deps: missing " + strings.Join(missing, ", ") +
		" (every dependency but Now, Throttling and Hashing is required; a store's Deps() gives the store ports, " +
		"the policy package an Authorizer, the password package Passwords)")
}

// New returns a Service over deps. It does no I/O. It panics, naming the missing dependencies
// (see Deps.Validate), if one is missing, since that is a programming error rather than a
// runtime condition.
func New(deps Deps) *Service {
	if err := deps.Validate(); err != nil {
		panic("crm.New: " + err.Error())
	}
	s := &Service{
		users: deps.Users, clients: deps.Clients, contracts: deps.Contracts, events: deps.Events,
		audit: deps.Audit, webhooks: deps.Webhooks, throttle: deps.Throttle, authz: deps.Authorizer, passwords: deps.Passwords,
		now: deps.Now, throttling: deps.Throttling.withDefaults(), gates: newGates(),
		hashing: deps.Hashing.withDefaults(), tx: deps.Tx, importRows: deps.ImportRows,
		apiKeys: deps.APIKeys, reminders: deps.Reminders, changes: deps.Changes,
	}
	if s.importRows <= 0 {
		s.importRows = DefaultImportRows
	}
	s.hashSlots = make(chan struct{}, s.hashing.MaxConcurrent)
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Authorizer returns the policy the Service applies, e.g. for a page that shows it.
func (s *Service) Authorizer() Authorizer { return s.authz }

// clock returns the current time in UTC, truncated to microseconds (what PostgreSQL stores), so
// that a time written and read back compares equal.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ListOptions are the paging and sorting options common to every list.
type ListOptions struct {
	// Limit is the page size: 0 means DefaultLimit; more than MaxLimit is refused.
	Limit int
	// Cursor is the opaque next_cursor of the previous page, or "" for the first page.
	Cursor string
	// Sort is a sortable field name, prefixed with '-' for descending order; "" sorts by id.
	Sort string
}

// Page sizes of lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// normalize checks the options against the sortable fields of a resource and fills defaults.
func (o *ListOptions) normalize(sortable []string) error {
	switch {
	case o.Limit == 0:
		o.Limit = DefaultLimit
	case o.Limit < 0 || o.Limit > MaxLimit:
		return Errorf(EMALFORMED, "limit must be between 1 and %d", MaxLimit)
	}
	if o.Sort == "" {
		o.Sort = "id"
	}
	field := o.Sort
	if field[0] == '-' {
		field = field[1:]
	}
	for _, f := range sortable {
		if f == field {
			return nil
		}
	}
	return Errorf(EMALFORMED, "cannot sort by %s", field).
		withFields(FieldError{Field: "sort", Code: FieldInvalidSort, Message: "sortable fields: " + joinQuoted(sortable)})
}

func joinQuoted(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// errUnchanged is what an update function returns when the input changes nothing: the store
// then writes nothing (no new version, no audit entry) and the service returns the record as it
// is. It never leaves the package.
var errUnchanged = errors.New("crm: the input changes nothing")

// forbiddenWrite turns the ErrNotWritable of a store (a write on a record the caller can read but
// which is outside the scope of the write) into an EFORBIDDEN that says what was refused, in the
// words of format and args (as with Errorf).
func forbiddenWrite(err error, format string, args ...any) error {
	if errors.Is(err, ErrNotWritable) {
		return Errorf(EFORBIDDEN, format, args...).causedBy(err)
	}
	return err
}

// checkVersion refuses a write when the caller expected another version of the record.
func checkVersion(want, have int64) error {
	if want != 0 && want != have {
		return Errorf(EPRECONDITION, "the record has changed since you read it (version %d, now %d): reload it and try again", want, have)
	}
	return nil
}
