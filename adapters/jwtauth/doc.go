// Package jwtauth issues and checks the credentials of the REST API: short-lived access tokens
// (JWTs signed with Ed25519) and opaque refresh tokens that rotate on every use.
//
// Access tokens are verified with the algorithm and key pinned by the server, never taken from
// the token, and their every time claim is checked. They carry the user's AuthVersion, which
// the HTTP layer compares with the user's current one on each request (crm.Service.Actor), so
// that deactivating a user or changing their role or password takes effect at once.
//
// Refresh tokens are 32 random bytes; only their SHA-256 hash is stored (crm.RefreshTokenStore).
// Each use returns a new pair in the same token family, and presenting an already used token
// revokes the whole family (OAuth 2.0 Security BCP, RFC 9700 section 4.14.2). A family also
// has an absolute lifetime (Config.RefreshMaxAge, from the login that began it): however often
// it is refreshed, a login then has to be made again, so a stolen token cannot be kept alive
// for ever.
package jwtauth
