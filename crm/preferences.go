package crm

import (
	"context"
	"strings"
	"time"
)

// Themes of the admin UI: light, dark, or the browser's own choice (auto).
const (
	ThemeLight = "light"
	ThemeDark  = "dark"
	ThemeAuto  = "auto"
)

// Preferences are how a user wants the admin UI: the language (a code such as "fr"), the IANA
// time zone times are shown and entered in, and the colour theme. An empty field means the
// deployment's default (the browser's language, the server's zone, the browser's theme).
type Preferences struct {
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
	Theme    string `json:"theme"`
}

// Validate checks p against the languages an adapter speaks (empty means any language code),
// and returns EINVALID naming every bad field.
func (p Preferences) Validate(languages []string) error {
	var fe fieldErrors
	if p.Language != "" && len(languages) > 0 && !containsString(languages, p.Language) {
		fe.add("language", FieldInvalidChoice, "must be one of %s", strings.Join(languages, ", "))
	}
	switch _, err := time.LoadLocation(p.TimeZone); {
	case p.TimeZone == "":
	case p.TimeZone == "Local":
		// time.LoadLocation takes "Local" for the zone of the host it runs on: not a zone a user
		// chooses, and one that changes with the server (the empty value is the default).
		fe.add("time_zone", FieldInvalidChoice, "must be an IANA time zone such as Europe/Paris or UTC, not Local: "+
			"leave it empty for the default zone")
	case err != nil || strings.TrimSpace(p.TimeZone) != p.TimeZone:
		fe.add("time_zone", FieldInvalidChoice, "must be an IANA time zone such as Europe/Paris or UTC")
	}
	switch p.Theme {
	case "", ThemeLight, ThemeDark, ThemeAuto:
	default:
		fe.add("theme", FieldInvalidChoice, "must be light, dark or auto")
	}
	return fe.err()
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// PreferenceStore keeps each user's preferences.
type PreferenceStore interface {
	// FindPreferences returns the preferences of the user with id: the zero Preferences when
	// they saved none (or the user does not exist).
	FindPreferences(ctx context.Context, userID int64) (Preferences, error)
	// SavePreferences replaces the preferences of the user with id. It returns ENOTFOUND when
	// no such user exists.
	SavePreferences(ctx context.Context, userID int64, p Preferences) error
}
