package crm

import (
	"context"
	"strings"
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
	// Validate returns the reasons password is not acceptable for u (none when it is).
	Validate(password string, u *User) []string
}

// LoginThrottle keeps failed login attempts, in the database so that several server processes
// share them.
type LoginThrottle interface {
	// RecordLoginFailure records one failure under each key at the given time, and may forget
	// failures older than a day.
	RecordLoginFailure(ctx context.Context, keys []string, at time.Time) error
	// LoginFailures returns how many failures were recorded under key since the given time, and
	// the earliest of them.
	LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error)
	// ClearLoginFailures forgets the failures recorded under key.
	ClearLoginFailures(ctx context.Context, key string) error
	// ForgetLoginFailure deletes, under each key, one failure recorded at exactly the given
	// time: an attempt counted in advance that turned out not to be a failure.
	ForgetLoginFailure(ctx context.Context, keys []string, at time.Time) error
}

// Throttling sets when failed logins are throttled: after PerAccount failures for one username
// or PerAddress failures from one client address within Window.
type Throttling struct {
	PerAccount int
	PerAddress int
	Window     time.Duration
}

// DefaultThrottling is 5 failures per account or 20 per address within 15 minutes.
var DefaultThrottling = Throttling{PerAccount: 5, PerAddress: 20, Window: 15 * time.Minute}

// errBadLogin is the one answer to a wrong username, a wrong password or a deactivated account,
// so that none can be told from another.
func errBadLogin() error {
	return Errorf(EUNAUTHORIZED, "invalid username or password")
}

// dummy returns a hash to verify against when the username is unknown, so that an unknown user
// takes as long to refuse as a wrong password. It is made once per Service, on first use.
func (s *Service) dummy() (string, error) {
	s.dummyOnce.Do(func() {
		s.dummyHash, s.dummyErr = s.passwords.Hash("unknown-user-timing-equaliser")
	})
	if s.dummyErr != nil {
		return "", Internal(s.dummyErr)
	}
	return s.dummyHash, nil
}

// Authenticate checks a username and password for a login from the client address addr. It
// returns ETHROTTLED (with RetryAfter) once too many logins failed for the account or from the
// address, even if the password is right, and EUNAUTHORIZED, always with the same message, for
// an unknown user, a wrong password or a deactivated account. On success it records the login
// time and, when the hash parameters have been raised, rehashes the password.
func (s *Service) Authenticate(ctx context.Context, username, password, addr string) (*User, error) {
	now := s.clock()
	userKey := accountKey(username)
	keys := []string{userKey}
	limits := []int{s.throttling.PerAccount}
	if addr != "" {
		keys = append(keys, "addr:"+addr)
		limits = append(limits, s.throttling.PerAddress)
	}
	if err := s.countAttempt(ctx, keys, limits, now); err != nil {
		return nil, err
	}

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
	hash, err := s.dummy()
	if err != nil {
		return nil, err
	}
	if u != nil {
		hash = u.PasswordHash
	}
	ok, rehash := s.passwords.Verify(hash, password)
	if u == nil || !ok || !u.IsActive {
		return nil, errBadLogin() // the failure counted above stays
	}
	if err := s.throttle.ClearLoginFailures(ctx, userKey); err != nil {
		return nil, err
	}
	if err := s.throttle.ForgetLoginFailure(ctx, keys[1:], now); err != nil {
		return nil, err
	}
	newHash := ""
	if rehash {
		if h, err := s.passwords.Hash(password); err == nil {
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

// countAttempt records a password attempt under keys as a failure before the password is
// checked, then counts the failures of each key within the window: past its limit, the attempt is
// forgotten again and refused with ETHROTTLED, without checking the password. Counting first makes
// concurrent attempts see each other: of N simultaneous guesses, at most the limit are checked.
// The caller forgets the attempt (or clears the key) when the password turns out right.
func (s *Service) countAttempt(ctx context.Context, keys []string, limits []int, now time.Time) error {
	if err := s.throttle.RecordLoginFailure(ctx, keys, now); err != nil {
		return err
	}
	var wait time.Duration
	for i, key := range keys {
		n, first, err := s.throttle.LoginFailures(ctx, key, now.Add(-s.throttling.Window))
		if err != nil {
			return err
		}
		if n > limits[i] {
			if d := first.Add(s.throttling.Window).Sub(now); d > wait {
				wait = d
			}
		}
	}
	if wait == 0 {
		return nil
	}
	if err := s.throttle.ForgetLoginFailure(ctx, keys, now); err != nil {
		return err
	}
	if wait < time.Second {
		wait = time.Second
	}
	return &Error{Code: ETHROTTLED, RetryAfter: wait.Round(time.Second), Message: "too many failed attempts: try again later"}
}

// accountKey is the throttling key of the account with username.
func accountKey(username string) string {
	return "user:" + strings.ToLower(strings.TrimSpace(username))
}

// Actor returns the active user with id for a session or token issued under authVersion. It
// returns EUNAUTHORIZED when the user is gone, deactivated, or their credentials or rights
// changed since (see User.AuthVersion): adapters call it on every request, so such a change
// takes effect at once rather than when a token expires.
func (s *Service) Actor(ctx context.Context, id, authVersion int64) (*User, error) {
	u, err := s.users.FindUser(ctx, id, Everything)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "the account no longer exists")
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, Errorf(EUNAUTHORIZED, "the account is deactivated")
	}
	if u.AuthVersion != authVersion {
		return nil, Errorf(EUNAUTHORIZED, "the session has ended: log in again")
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
