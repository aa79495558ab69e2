package jwtauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/epicevents/epiccrm/crm"
)

// Claims are what a verified access token says: who it was issued to, and under which
// AuthVersion of that user. The caller checks the version against the user's current one with
// Users.Actor before trusting the token.
type Claims struct {
	UserID      int64
	AuthVersion int64
}

// maxTokenLen bounds the access tokens Verify looks at; the tokens Issue makes are about 400
// bytes long.
const maxTokenLen = 4096

// Causes of a refused access token, kept in crm.Error.Err for logs. None of them repeats any
// part of the token.
var (
	errNotCompact   = errors.New("not a JWS in compact serialization")
	errHeader       = errors.New("unexpected JOSE header: want exactly alg EdDSA, typ at+jwt and the server's kid")
	errSignature    = errors.New("the signature does not verify with the server's key")
	errClaimFormats = errors.New("sub, ver, iat or exp is missing or not a valid value")
	errDuplicateKey = errors.New("a JSON object of the header or the claims names a member twice")
	errNotJSON      = errors.New("the header or the claims are not one JSON object")
)

// Verify checks an access token and returns its claims. The token must be a compact JWS whose
// header names only alg EdDSA, typ at+jwt and this Issuer's kid, with a valid Ed25519
// signature by this Issuer's key (the algorithm and key are the server's, never taken from the
// token), issued by and for this server (iss, aud), with token_use "access", a numeric sub and
// ver, a jti, an exp in the future, iat and nbf not in the future, and a lifetime (exp - iat)
// of at most the access token lifetime; time claims are compared with Config.Skew of tolerance.
// No JSON object of the header or the claims may name a member twice.
//
// Any failure returns EUNAUTHORIZED with the same short message, whatever the reason (kept in
// the error's cause for logs). Verify does not look at the database: the caller then calls
// Users.Actor with the claims, so that a deactivated user or a changed role or password takes
// effect at once.
func (i *Issuer) Verify(ctx context.Context, token string) (*Claims, error) {
	if err := i.checkHeader(token); err != nil {
		return nil, badAccessToken(err)
	}
	tok, err := jwt.ParseString(token, jwt.WithKey(jwa.EdDSA, i.pub), jwt.WithValidate(false))
	if err != nil {
		return nil, badAccessToken(errSignature)
	}
	err = jwt.Validate(tok,
		jwt.WithContext(ctx),
		jwt.WithClock(jwt.ClockFunc(i.cfg.Now)),
		jwt.WithAcceptableSkew(i.cfg.Skew),
		jwt.WithIssuer(i.cfg.Issuer),
		jwt.WithAudience(i.cfg.Audience),
		jwt.WithRequiredClaim(jwt.SubjectKey),
		jwt.WithRequiredClaim(jwt.JwtIDKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		// exp no earlier than now (less the skew): this also refuses "exp": 0, which jwx's own
		// expiry check takes for an absent claim.
		jwt.WithMinDelta(0, jwt.ExpirationKey, ""),
		jwt.WithMaxDelta(i.cfg.AccessTTL, jwt.ExpirationKey, jwt.IssuedAtKey),
		jwt.WithClaimValue(claimTokenUse, tokenUseAccess),
	)
	if err != nil {
		return nil, badAccessToken(err)
	}
	claims, err := claimsOf(tok)
	if err != nil {
		return nil, badAccessToken(err)
	}
	return claims, nil
}

// checkHeader refuses, before any parsing by jwx, a token that is not three non-empty base64url
// parts (a JSON serialization, a stripped signature) or whose header is not exactly the one
// Issue writes: this shuts out "alg": "none", algorithm confusion, unknown kids and extension
// headers such as crit, b64, jku or x5u. It also refuses a header or claims that are not one
// JSON object or that repeat a member in any object (see uniqueKeys).
func (i *Issuer) checkHeader(token string) error {
	if len(token) > maxTokenLen {
		return errNotCompact
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errNotCompact
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return errNotCompact
		}
		// Strict: a lax decoder ignores the spare bits of the last character, so that "...A" and
		// "...B" would be one signature and a token would have several spellings.
		if _, err := base64.RawURLEncoding.Strict().DecodeString(p); err != nil {
			return errNotCompact
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return errNotCompact
	}
	// jwx verifies the signature over the header JSON re-encoded without the whitespace around
	// it, so "{...}\r" would pass for "{...}": the header must be the object alone.
	if len(raw) == 0 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return errHeader
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return errNotCompact
	}
	// JSON parsers disagree on a repeated member: encoding/json and jwx keep the last one, others
	// the first. {"alg":"none","alg":"EdDSA"} must not pass a check that reads one of them while
	// something else acts on the other, so a repeated member anywhere is refused.
	if err := uniqueKeys(raw); err != nil {
		return err
	}
	if err := uniqueKeys(payload); err != nil {
		return err
	}
	var hdr map[string]any
	if err := json.Unmarshal(raw, &hdr); err != nil {
		return errHeader
	}
	typ, _ := hdr["typ"].(string)
	ok := len(hdr) == 3 && hdr["alg"] == jwa.EdDSA.String() && hdr["kid"] == i.kid &&
		(strings.EqualFold(typ, accessTokenType) || strings.EqualFold(typ, "application/"+accessTokenType))
	if !ok {
		return errHeader
	}
	return nil
}

// uniqueKeys checks that doc is one JSON object in which no object, at any depth, names a
// member twice (after unescaping, so "\u0061lg" repeats "alg").
func uniqueKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errNotJSON
	}
	if err := uniqueMembers(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errNotJSON
	}
	return nil
}

// uniqueMembers reads the rest of an object whose '{' dec has just read, refusing a repeated
// member in it or in any value it holds.
func uniqueMembers(dec *json.Decoder) error {
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errNotJSON
		}
		key, ok := t.(string)
		if !ok {
			return errNotJSON
		}
		if seen[key] {
			return errDuplicateKey
		}
		seen[key] = true
		if err := uniqueValue(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return errNotJSON
	}
	return nil
}

// uniqueValue reads one JSON value, refusing a repeated member in any object inside it.
func uniqueValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return errNotJSON
	}
	switch t {
	case json.Delim('{'):
		return uniqueMembers(dec)
	case json.Delim('['):
		for dec.More() {
			if err := uniqueValue(dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing ']'
			return errNotJSON
		}
	}
	return nil
}

// claimsOf reads the user id and AuthVersion of a validated token, and refuses a zero exp or
// iat (which jwx takes for absent) and an exp that is not after iat.
func claimsOf(tok jwt.Token) (*Claims, error) {
	id, err := strconv.ParseInt(tok.Subject(), 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != tok.Subject() {
		return nil, errClaimFormats
	}
	v, _ := tok.Get(claimVersion)
	ver, ok := wholeNumber(v)
	if !ok || ver < 0 {
		return nil, errClaimFormats
	}
	iat, exp := tok.IssuedAt().Unix(), tok.Expiration().Unix()
	if iat <= 0 || exp <= iat {
		return nil, errClaimFormats
	}
	return &Claims{UserID: id, AuthVersion: ver}, nil
}

// wholeNumber returns v as an int64 when it is a JSON number with no fractional part that a
// float64 holds exactly.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int64:
		return n, true
	}
	return 0, false
}

// badAccessToken is the one error Verify returns: EUNAUTHORIZED with a generic message, and
// the reason for logs.
func badAccessToken(cause error) error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the access token is invalid or has expired", Err: cause}
}
