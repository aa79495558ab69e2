package jwtauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// refreshTokenBytes is the entropy of a refresh token; it is sent as 43 base64url characters.
const refreshTokenBytes = 32

var refreshEncoding = base64.RawURLEncoding.Strict()

// errNotRefreshToken is the cause for a string that cannot be a refresh token at all.
var errNotRefreshToken = errors.New("not a refresh token: want 43 base64url characters")

// newRefreshToken returns a new refresh token and the hash under which it is stored.
func newRefreshToken() (string, []byte, error) {
	b := make([]byte, refreshTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("jwtauth: cannot read random bytes: %w", err)
	}
	sum := sha256.Sum256(b)
	return refreshEncoding.EncodeToString(b), sum[:], nil
}

// refreshTokenHash returns the stored hash of a refresh token, or false for a string that is
// not shaped like one (a JWT, a truncated token, another alphabet), which then needs no lookup.
func refreshTokenHash(token string) ([]byte, bool) {
	if len(token) != refreshEncoding.EncodedLen(refreshTokenBytes) {
		return nil, false
	}
	b, err := refreshEncoding.DecodeString(token)
	if err != nil || len(b) != refreshTokenBytes {
		return nil, false
	}
	sum := sha256.Sum256(b)
	return sum[:], true
}

// Refresh exchanges a refresh token for a new pair in the same family, and returns the user
// it was issued to. The token is used up: presenting it again revokes its whole family. It
// returns EUNAUTHORIZED, with one generic message, for a string that is not a refresh token
// and for an unknown, expired, revoked or already used one; and also, after revoking the
// family, when the user has been deactivated or deleted or their password or role changed
// since the token was issued, or when the family's login is Config.RefreshMaxAge old (then with
// a message that says so). Other store errors (such as EUNAVAILABLE) are returned as they are.
func (i *Issuer) Refresh(ctx context.Context, refresh string) (*Pair, *crm.User, error) {
	hash, ok := refreshTokenHash(refresh)
	if !ok {
		return nil, nil, badRefreshToken(errNotRefreshToken)
	}
	now := i.cfg.Now().UTC().Truncate(time.Microsecond)
	t, err := i.tokens.UseRefreshToken(ctx, hash, now)
	if err != nil {
		if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			return nil, nil, badRefreshToken(err)
		}
		return nil, nil, err
	}
	// The limit counts from the family's first token, never from the last refresh, so it does
	// not slide however often the family is used.
	if limit := t.FamilyIssuedAt.Add(i.cfg.RefreshMaxAge); !now.Before(limit) {
		cause := fmt.Errorf("the token family began at %s, so it could be refreshed until %s",
			t.FamilyIssuedAt.Format(time.RFC3339), limit.Format(time.RFC3339))
		return nil, nil, i.loginTooOld(i.revokeFamily(ctx, t, cause))
	}
	u, err := i.users.Actor(ctx, t.UserID, t.AuthVersion)
	if err != nil {
		if crm.ErrorCode(err) != crm.EUNAUTHORIZED {
			return nil, nil, err
		}
		return nil, nil, badRefreshToken(i.revokeFamily(ctx, t, err))
	}
	pair, err := i.issue(ctx, u, t.FamilyID, t.FamilyIssuedAt, now)
	if err != nil {
		return nil, nil, err
	}
	return pair, u, nil
}

// revokeFamily revokes the family of t, which is being refused because of cause, and returns
// cause, joined with the revocation's own error when it fails.
func (i *Issuer) revokeFamily(ctx context.Context, t *crm.RefreshToken, cause error) error {
	if err := i.tokens.RevokeRefreshToken(ctx, t.Hash, t.UserID); err != nil {
		return errors.Join(cause, fmt.Errorf("revoking the token family: %w", err))
	}
	return cause
}

// Logout revokes the family of a refresh token of the user userID (the authenticated caller),
// so that neither it nor any token refreshed from it works again. Only the caller's own tokens
// are revoked: another user's token, like an unknown one (it may have expired and been
// purged), changes nothing and is no error, so that the answer does not tell whether it
// exists. A string that is not a refresh token at all is EUNAUTHORIZED.
func (i *Issuer) Logout(ctx context.Context, userID int64, refresh string) error {
	hash, ok := refreshTokenHash(refresh)
	if !ok {
		return badRefreshToken(errNotRefreshToken)
	}
	return i.tokens.RevokeRefreshToken(ctx, hash, userID)
}

// loginTooOld is the error of a refresh token whose family is Config.RefreshMaxAge old:
// EUNAUTHORIZED with a message that says why, and the details for logs. Saying so leaks
// nothing, since only the holder of a valid token of the family gets this far.
func (i *Issuer) loginTooOld(cause error) error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Err: cause,
		Message: fmt.Sprintf("this login has reached its maximum age of %s and can no longer be refreshed: log in again", days(i.cfg.RefreshMaxAge))}
}

// days writes d in days when it is a whole number of them, and as a Go duration otherwise.
func days(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == day:
		return "1 day"
	case d > day && d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

// badRefreshToken is the error of a refused refresh token: EUNAUTHORIZED with a generic
// message, and the reason for logs.
func badRefreshToken(cause error) error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the refresh token is invalid, expired or revoked: log in again", Err: cause}
}
