package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
)

// TokenPair is the answer to a login or a refresh: what POST /auth/login and /auth/refresh
// return.
type TokenPair struct {
	// AccessToken is the signed JWT to send as "Authorization: Bearer <token>".
	AccessToken string `json:"access_token"`
	// RefreshToken is the opaque single-use token that obtains the next pair.
	RefreshToken string `json:"refresh_token"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// ExpiresIn is the lifetime of the access token in seconds.
	ExpiresIn int64 `json:"expires_in"`
}

// Tokens is the token service the API needs: it issues, rotates, revokes and verifies the
// tokens of the API and publishes the keys that verify them. The API does not know how tokens
// are made; package epiccrm hands it the jwtauth adapter. Every method returns *crm.Error
// codes (EUNAUTHORIZED for a refused token) so the API maps them like any domain error.
type Tokens interface {
	// Issue returns a new token pair for u, who has just logged in.
	Issue(ctx context.Context, u *crm.User) (*TokenPair, error)
	// Refresh exchanges a refresh token, once, for a new pair.
	Refresh(ctx context.Context, refreshToken string) (*TokenPair, error)
	// Logout revokes a refresh token of the user userID and its family; a token of another
	// user, or an unknown one, is left alone without an error, so the answer tells nothing.
	Logout(ctx context.Context, userID int64, refreshToken string) error
	// Verify checks an access token and returns whom it was issued to, and under which
	// AuthVersion; the API then checks both with crm.Service.Actor.
	Verify(ctx context.Context, accessToken string) (userID, authVersion int64, err error)
	// JWKS returns the JSON Web Key Set of the public keys that verify access tokens.
	JWKS() ([]byte, error)
}
