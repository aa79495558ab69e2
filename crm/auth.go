package crm

import (
	"context"
	"time"
)

// Passwords hashes, verifies and vets passwords. The password adapter implements it with
// argon2id and Django's four default validators.
type Passwords interface {
	// Hash returns an encoded hash of password, salted anew each time.
	Hash(password string) (string, error)
	// Verify reports whether password matches hash, and whether the hash should be replaced
	// because it was made with weaker parameters than the current ones. It runs in the same time
	// whether or not it matches.
	Verify(hash, password string) (ok, rehash bool)
	// Validate returns the rules of the password policy that password breaks for u (none when
	// it is acceptable), in the order they were checked.
	Validate(password string, u *User) []PasswordProblem
}

// LoginThrottle keeps the login attempts of each throttling key (an account, a typed name, a
// client address), in the database so that several server processes share them. An attempt is
// reserved before its password is checked, then settled: as a failure, or released when it
// was no failure. See Service.Authenticate for the rule the Service applies with them.
type LoginThrottle interface {
	// ReserveLoginAttempt counts, under each key of a, the failures recorded since a.Since and
	// the attempts in flight (reserved since a.StaleBefore and not yet settled; an older one
	// counts as a failure). When every key is below its limit (failures plus attempts in flight
	// less than Limit) it records a as in flight under each key and returns reserved; otherwise
	// it records nothing. Counting and recording are atomic with respect to every other
	// reservation of the same keys, in every process that shares the store. The counts, one per
	// key in the order of a.Keys, are those seen before the reservation.
	ReserveLoginAttempt(ctx context.Context, a LoginAttempt) (reserved bool, counts []LoginCount, err error)
	// FailLoginAttempt turns the reservation of the attempt with id into a failure under each
	// of its keys, dated when it was reserved. An unknown id is no error.
	FailLoginAttempt(ctx context.Context, id string) error
	// ReleaseLoginAttempt deletes the reservation of the attempt with id, which then counts no
	// more under any key. An unknown id is no error.
	ReleaseLoginAttempt(ctx context.Context, id string) error
	// ClearLoginFailures forgets the failures recorded under key. Attempts in flight under key
	// stay, and no other key is touched.
	ClearLoginFailures(ctx context.Context, key string) error
}

// LoginAttempt is a password check to reserve under throttling keys.
type LoginAttempt struct {
	// ID names the attempt; it is unique (the Service draws it at random).
	ID string
	// Keys are the counters the attempt counts under, each with its limit.
	Keys []ThrottleKey
	// At is when the attempt starts.
	At time.Time
	// Since is the start of the throttling window: failures before it no longer count.
	Since time.Time
	// StaleBefore is when the oldest attempt still in flight may have started: a reservation
	// made before belongs to a process that stopped in the middle of a check, and counts as a
	// failure. It is never before Since.
	StaleBefore time.Time
}

// ThrottleKey is one counter of login attempts and its limit: an attempt is let through only
// while the failures and the attempts in flight under the key are fewer than Limit.
type ThrottleKey struct {
	// Key names the counter: "account:<id>", "name:<canonical typed name>" or "addr:<address>".
	Key string
	// Limit is how many failures plus attempts in flight the key allows.
	Limit int
}

// LoginCount is the state of one throttling key.
type LoginCount struct {
	// Failures are the failures since the window's start, stale reservations included.
	Failures int
	// InFlight are the attempts reserved and not yet settled.
	InFlight int
	// FirstFailure is the earliest of Failures (the zero time when there is none).
	FirstFailure time.Time
}

// Throttling sets when logins are throttled: after PerAccount failures for one account or
// PerAddress failures from one client address within Window. Wait is how long an attempt
// waits for its turn while the checks already in flight for its account or address fill the
// allowance (see Service.Authenticate). Zero fields take their DefaultThrottling value.
type Throttling struct {
	PerAccount int
	PerAddress int
	Window     time.Duration
	Wait       time.Duration
}

// DefaultThrottling is 5 failures per account or 20 per address within 15 minutes; an attempt
// waits at most 5 seconds for the checks in flight before it.
var DefaultThrottling = Throttling{PerAccount: 5, PerAddress: 20, Window: 15 * time.Minute, Wait: 5 * time.Second}

// withDefaults returns t with each zero field set to its DefaultThrottling value.
func (t Throttling) withDefaults() Throttling {
	if t.PerAccount <= 0 {
		t.PerAccount = DefaultThrottling.PerAccount
	}
	if t.PerAddress <= 0 {
		t.PerAddress = DefaultThrottling.PerAddress
	}
	if t.Window <= 0 {
		t.Window = DefaultThrottling.Window
	}
	if t.Wait <= 0 {
		t.Wait = DefaultThrottling.Wait
	}
	return t
}

// errBadLogin is the one answer to a wrong username, a wrong password or a deactivated account,
// so that none can be told from another.
func errBadLogin() error {
	return Errorf(EUNAUTHORIZED, "invalid username or password")
}

// dummy returns a hash to verify against when the username is unknown, so that an unknown user
// takes as long to refuse as a wrong password. It is made once per Service, on first use (a
// failure, such as no free hashing slot, is not kept: the next call tries again).
func (s *Service) dummy(ctx context.Context) (string, error) {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummyHash != "" {
		return s.dummyHash, nil
	}
	h, err := s.hash(ctx, "unknown-user-timing-equaliser")
	if ErrorCode(err) == EINTERNAL {
		return "", Internal(err)
	}
	if err != nil {
		return "", err
	}
	s.dummyHash = h
	return h, nil
}

// Authenticate checks a username and password for a login from the client address addr. It
// returns ETHROTTLED (with RetryAfter) once too many logins failed for the account or from the
// address, even if the password is right, and EUNAUTHORIZED, always with the same message, for
// an unknown user, a wrong password or a deactivated account. On success it records the login
// time and, when the hash parameters have been raised, rehashes the password.
//
// Failures are counted per account (by its id, so that renaming another account cannot touch
// the counter; by the canonical form of the typed name for a name no one has) and per address.
// Each attempt reserves a slot under both keys before its password is checked, and is let
// through only while the failures plus the attempts in flight are fewer than the limit, so
// that of any number of simultaneous guesses exactly the allowance is checked. A wrong password
// turns its slot into a failure; a right one frees it and clears the account's own failures.
// An attempt that finds the allowance full of attempts in flight, but not of failures, waits
// (up to Throttling.Wait) for them to settle rather than being refused, so that simultaneous
// correct logins all succeed; it gets EBUSY if they do not settle in time.
func (s *Service) Authenticate(ctx context.Context, username, password, addr string) (*User, error) {
	// A username no one can have (control characters, invalid UTF-8) is not looked up: it is
	// refused like an unknown one, after the same dummy verification.
	var u *User
	if cleanText(username, false) {
		found, err := s.userByLogin(ctx, username)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		u = found
	}
	key := nameKey(username)
	if u != nil {
		key = accountKey(u.ID)
	}
	keys := []ThrottleKey{{Key: key, Limit: s.throttling.PerAccount}}
	if addr != "" {
		keys = append(keys, ThrottleKey{Key: "addr:" + addr, Limit: s.throttling.PerAddress})
	}
	att, err := s.beginAttempt(ctx, keys)
	if err != nil {
		return nil, err
	}
	defer att.release()

	hash, err := s.dummy(ctx)
	if err != nil {
		return nil, err
	}
	if u != nil {
		hash = u.PasswordHash
	}
	ok, rehash, err := s.verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if u == nil || !ok || !u.IsActive || u.Kind == KindService {
		if err := att.fail(); err != nil {
			return nil, err
		}
		return nil, errBadLogin()
	}
	if err := att.succeed(key); err != nil {
		return nil, err
	}
	now := s.clock()
	newHash := ""
	if rehash {
		if h, err := s.hash(ctx, password); err == nil {
			newHash = h
		}
	}
	if err := s.users.RecordLogin(ctx, u.ID, now, newHash); err != nil {
		return nil, err
	}
	u.LastLogin = &now
	if newHash != "" {
		u.PasswordHash = newHash
	}
	return u, nil
}

// ActorFinder is an optional port of a UserStore that finds the user acting in a request
// faster than FindUser, such as from a cache. Actor uses it when the UserStore has it. It must
// return what FindUser(ctx, id, Everything) would return at that moment: a cache must drop a
// user as soon as any change to that user commits, in every process sharing the database.
type ActorFinder interface {
	// FindActor returns the user with id, or ENOTFOUND. The caller may keep the result.
	FindActor(ctx context.Context, id int64) (*User, error)
}

// Actor returns the active user with id for a session or token issued under authVersion. It
// returns EUNAUTHORIZED when the user is gone, deactivated, or their credentials or rights
// changed since (see User.AuthVersion): adapters call it on every request, so such a change
// takes effect at once rather than when a token expires.
func (s *Service) Actor(ctx context.Context, id, authVersion int64) (*User, error) {
	u, err := s.activeUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.AuthVersion != authVersion {
		return nil, Errorf(EUNAUTHORIZED, "the session has ended: log in again")
	}
	return u, nil
}

// activeUser returns the active user with id acting in a request (through the ActorFinder when
// the store has one), or EUNAUTHORIZED when the user is gone or deactivated.
func (s *Service) activeUser(ctx context.Context, id int64) (*User, error) {
	var u *User
	var err error
	if f, ok := s.users.(ActorFinder); ok {
		u, err = f.FindActor(ctx, id)
	} else {
		u, err = s.users.FindUser(ctx, id, Everything)
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "the account no longer exists")
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, Errorf(EUNAUTHORIZED, "the account is deactivated")
	}
	return u, nil
}

// RefreshToken is a stored refresh token. Only a hash of the token is kept. Tokens rotate within
// a family: each use returns a new token of the same family, and a second use of any token of the
// family revokes all of it.
type RefreshToken struct {
	Hash        []byte
	FamilyID    string
	UserID      int64
	AuthVersion int64
	IssuedAt    time.Time
	ExpiresAt   time.Time
	// FamilyIssuedAt is when the family's first token was issued, at the login that began it.
	// Every successor carries it unchanged, so that a family has an absolute lifetime however
	// often it is refreshed (RFC 9700 section 4.14.2).
	FamilyIssuedAt time.Time
}

// RefreshTokenStore keeps refresh tokens, in the database so that several server processes
// share them.
type RefreshTokenStore interface {
	// SaveRefreshToken stores a new, unused token.
	SaveRefreshToken(ctx context.Context, t *RefreshToken) error
	// UseRefreshToken marks the token with hash used, atomically, and returns it. It returns
	// EUNAUTHORIZED for an unknown, expired (at now) or revoked token; for a token that was
	// already used it revokes the token's whole family, then returns EUNAUTHORIZED. Of several
	// concurrent uses of one token, exactly one succeeds.
	UseRefreshToken(ctx context.Context, hash []byte, now time.Time) (*RefreshToken, error)
	// RevokeRefreshToken revokes the family of the token with hash when that token was issued
	// to the user userID. An unknown hash, or the token of another user, changes nothing and is
	// no error, so that a caller cannot learn whether someone else's token exists.
	RevokeRefreshToken(ctx context.Context, hash []byte, userID int64) error
}

// Session is a server-side admin UI session. Only a hash of its id is kept.
type Session struct {
	IDHash      []byte
	UserID      int64
	AuthVersion int64
	CSRFToken   string
	CreatedAt   time.Time
	LastSeen    time.Time
}

// SessionStore keeps admin UI sessions, in the database so that they survive a restart and are
// shared by several server processes.
type SessionStore interface {
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with idHash, or ENOTFOUND.
	FindSession(ctx context.Context, idHash []byte) (*Session, error)
	// TouchSession records activity on a session at the given time.
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	// DeleteSession ends a session; an unknown id is no error.
	DeleteSession(ctx context.Context, idHash []byte) error
	// DeleteSessionsBefore ends every session last seen before the given time.
	DeleteSessionsBefore(ctx context.Context, before time.Time) error
}
