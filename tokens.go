package epiccrm

import (
	"context"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/crm"
)

// apiTokens is the jwtauth issuer as the REST API's token port. Access tokens are verified
// through a cache, so each token's signature is checked once (see jwtauth.VerifyCache).
type apiTokens struct {
	issuer   *jwtauth.Issuer
	verified *jwtauth.VerifyCache
}

var _ httpapi.Tokens = apiTokens{}

// pairOf converts a jwtauth pair into the API's.
func pairOf(p *jwtauth.Pair, err error) (*httpapi.TokenPair, error) {
	if err != nil {
		return nil, err
	}
	return &httpapi.TokenPair{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: p.TokenType,
		ExpiresIn: p.ExpiresIn}, nil
}

// Issue implements httpapi.Tokens.
func (t apiTokens) Issue(ctx context.Context, u *crm.User) (*httpapi.TokenPair, error) {
	return pairOf(t.issuer.Issue(ctx, u))
}

// Refresh implements httpapi.Tokens.
func (t apiTokens) Refresh(ctx context.Context, refreshToken string) (*httpapi.TokenPair, error) {
	p, _, err := t.issuer.Refresh(ctx, refreshToken)
	return pairOf(p, err)
}

// Logout implements httpapi.Tokens.
func (t apiTokens) Logout(ctx context.Context, userID int64, refreshToken string) error {
	return t.issuer.Logout(ctx, userID, refreshToken)
}

// Verify implements httpapi.Tokens.
func (t apiTokens) Verify(ctx context.Context, accessToken string) (int64, int64, error) {
	c, err := t.verified.Verify(ctx, accessToken)
	if err != nil {
		return 0, 0, err
	}
	return c.UserID, c.AuthVersion, nil
}

// JWKS implements httpapi.Tokens.
func (t apiTokens) JWKS() ([]byte, error) { return t.issuer.JWKS() }
