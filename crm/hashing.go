package crm

import (
	"context"
	"runtime"
	"time"
)

// Hashing bounds the password hashes and checks that run at once. Each one (argon2id with the
// recommended parameters) takes 12 MiB and a core for tens of milliseconds, so a storm of logins
// would otherwise take as much memory as it has requests; bounded, it takes the time it takes,
// and requests that cannot get their turn soon are refused with EBUSY instead of piling up.
type Hashing struct {
	// MaxConcurrent is the most hashes and checks at once; 0 means runtime.GOMAXPROCS(0), one
	// per core the process may use.
	MaxConcurrent int
	// Wait is how long a hash or check waits for its turn before EBUSY; 0 means
	// DefaultHashWait.
	Wait time.Duration
}

// DefaultHashWait is how long a password hash or check waits for a free core by default:
// long enough to absorb a burst of logins, short enough that a client retries rather than
// hangs.
const DefaultHashWait = 2 * time.Second

// withDefaults returns h with each zero field set to its default.
func (h Hashing) withDefaults() Hashing {
	if h.MaxConcurrent <= 0 {
		h.MaxConcurrent = runtime.GOMAXPROCS(0)
	}
	if h.Wait <= 0 {
		h.Wait = DefaultHashWait
	}
	return h
}

// hashTurn waits for a free hashing slot, at most Hashing.Wait, and returns the function that
// frees it; EBUSY when none came free in time.
func (s *Service) hashTurn(ctx context.Context) (func(), error) {
	release := func() { <-s.hashSlots }
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(s.hashing.Wait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errBusy("the server is busy checking other passwords")
	case <-ctx.Done():
		return nil, &Error{Code: EUNAVAILABLE, Message: "the request ended before the password could be checked", Err: ctx.Err()}
	}
}

// hash hashes password in its turn (see Hashing).
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.hashTurn(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return s.passwords.Hash(password)
}

// verify checks password against hash in its turn (see Hashing).
func (s *Service) verify(ctx context.Context, hash, password string) (ok, rehash bool, err error) {
	release, err := s.hashTurn(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	ok, rehash = s.passwords.Verify(hash, password)
	return ok, rehash, nil
}
