package jwtauth

import (
	"fmt"
	"time"
)

// Defaults and limits of Config.
const (
	// DefaultIssuer is the iss claim when Config.Issuer is empty.
	DefaultIssuer = "epiccrm"
	// DefaultAudience is the aud claim when Config.Audience is empty.
	DefaultAudience = "epiccrm-api"
	// DefaultAccessTTL is the lifetime of an access token when Config.AccessTTL is 0.
	DefaultAccessTTL = 15 * time.Minute
	// MaxAccessTTL is the longest access token lifetime New accepts.
	MaxAccessTTL = time.Hour
	// DefaultRefreshTTL is how long an unused refresh token lives when Config.RefreshTTL is 0.
	DefaultRefreshTTL = 14 * 24 * time.Hour
	// DefaultRefreshMaxAge is how long a login may be kept alive by refreshing when
	// Config.RefreshMaxAge is 0.
	DefaultRefreshMaxAge = 30 * 24 * time.Hour
	// DefaultSkew is the clock skew tolerated when Config.Skew is 0.
	DefaultSkew = 30 * time.Second
	// MaxSkew is the largest clock skew New accepts.
	MaxSkew = 5 * time.Minute
)

// Config sets the claims and lifetimes of the tokens an Issuer makes. Zero fields take their
// defaults.
type Config struct {
	// Issuer is the iss claim; DefaultIssuer when empty.
	Issuer string
	// Audience is the aud claim; DefaultAudience when empty.
	Audience string
	// AccessTTL is the lifetime of an access token: DefaultAccessTTL when 0, at most
	// MaxAccessTTL, since an access token cannot be revoked before it expires.
	AccessTTL time.Duration
	// RefreshTTL is how long a refresh token may go unused before it expires:
	// DefaultRefreshTTL when 0. Each refresh starts a new period.
	RefreshTTL time.Duration
	// RefreshMaxAge is the absolute lifetime of a refresh token family, counted from the login
	// that began it: DefaultRefreshMaxAge when 0, and at least RefreshTTL. Past it, refreshing
	// is refused however recently the family was used, so a stolen token that is refreshed
	// regularly still stops working (RFC 9700 section 4.14.2).
	RefreshMaxAge time.Duration
	// Skew is the clock difference tolerated between servers when checking time claims:
	// DefaultSkew when 0, at most MaxSkew.
	Skew time.Duration
	// Now returns the current time; time.Now when nil. Tests set a fixed clock.
	Now func() time.Time
}

// withDefaults returns c with its zero fields set to their defaults, or an error naming the
// first field out of range.
func (c Config) withDefaults() (Config, error) {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = DefaultAccessTTL
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.RefreshMaxAge == 0 {
		c.RefreshMaxAge = DefaultRefreshMaxAge
	}
	if c.Skew == 0 {
		c.Skew = DefaultSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.AccessTTL < time.Second || c.AccessTTL > MaxAccessTTL:
		return c, fmt.Errorf("jwtauth: the access token lifetime must be between 1s and %s, not %s", MaxAccessTTL, c.AccessTTL)
	case c.AccessTTL%time.Second != 0:
		return c, fmt.Errorf("jwtauth: the access token lifetime must be a whole number of seconds, not %s", c.AccessTTL)
	case c.RefreshTTL < c.AccessTTL:
		return c, fmt.Errorf("jwtauth: the refresh token lifetime (%s) must be at least the access token lifetime (%s)", c.RefreshTTL, c.AccessTTL)
	case c.RefreshMaxAge < c.RefreshTTL:
		return c, fmt.Errorf("jwtauth: the refresh token family's maximum age (%s) must be at least the refresh token lifetime (%s): raise RefreshMaxAge or lower RefreshTTL", c.RefreshMaxAge, c.RefreshTTL)
	case c.Skew < 0 || c.Skew > MaxSkew:
		return c, fmt.Errorf("jwtauth: the clock skew must be between 0 and %s, not %s", MaxSkew, c.Skew)
	}
	return c, nil
}
