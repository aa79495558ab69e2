package storetest

import (
	"testing"

	"github.com/epicevents/epiccrm/crm"
)

// testPreferences checks that preferences start empty, are saved, replaced and read back per
// user, and cannot be saved for a user who does not exist.
func testPreferences(t *testing.T, f *fixture) {
	s, ctx := f.s, f.ctx
	a, b := f.user(crm.RoleSales), f.user(crm.RoleSupport)
	if p, err := s.FindPreferences(ctx, a.ID); err != nil || p != (crm.Preferences{}) {
		t.Fatalf("preferences before any save = %+v, %v; want zero, nil", p, err)
	}
	want := crm.Preferences{Language: "fr", TimeZone: "America/Montreal", Theme: crm.ThemeDark}
	if err := s.SavePreferences(ctx, a.ID, want); err != nil {
		t.Fatalf("save: %v", err)
	}
	if p, err := s.FindPreferences(ctx, a.ID); err != nil || p != want {
		t.Fatalf("preferences = %+v, %v; want %+v", p, err, want)
	}
	if p, _ := s.FindPreferences(ctx, b.ID); p != (crm.Preferences{}) {
		t.Fatalf("another user's preferences = %+v; want zero", p)
	}
	want = crm.Preferences{Language: "en", Theme: crm.ThemeLight}
	if err := s.SavePreferences(ctx, a.ID, want); err != nil {
		t.Fatalf("second save: %v", err)
	}
	if p, err := s.FindPreferences(ctx, a.ID); err != nil || p != want {
		t.Fatalf("preferences after replace = %+v, %v; want %+v", p, err, want)
	}
	if err := s.SavePreferences(ctx, 1<<40, want); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("save for a missing user: %v; want %s", err, crm.ENOTFOUND)
	}
}
