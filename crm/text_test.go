package crm

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestErrorKeepsItsFormat checks that an error keeps the format and arguments its message was
// written from, and that ErrorText gives them back (the message itself when there is no format,
// the generic one for what is not the domain's).
func TestErrorKeepsItsFormat(t *testing.T) {
	err := Errorf(ECONFLICT, "only an update can be reverted, and entry %d is a %s", 7, ActionDelete)
	if err.Message != "only an update can be reverted, and entry 7 is a delete" {
		t.Fatalf("Message = %q", err.Message)
	}
	got := ErrorText(fmt.Errorf("wrapped: %w", err))
	if got.Format != "only an update can be reverted, and entry %d is a %s" || len(got.Args) != 2 || got.Args[1] != ActionDelete {
		t.Errorf("ErrorText = %#v", got)
	}
	if got.String() != err.Message {
		t.Errorf("String() = %q, want the message %q", got.String(), err.Message)
	}
	plain := ErrorText(&Error{Code: ECONFLICT, Message: "100% taken"})
	if plain.Format != "100%% taken" || plain.String() != "100% taken" {
		t.Errorf("a message without a format = %#v", plain)
	}
	for _, e := range []error{errors.New("disk on fire"), Internal(errors.New("disk on fire"))} {
		if got := ErrorText(e); got.String() != "an internal error occurred" {
			t.Errorf("ErrorText(%v) = %q", e, got.String())
		}
	}
	forbidden := forbiddenWrite(fmt.Errorf("store: %w", ErrNotWritable), "you may not %s this contract", ActionSign)
	if ErrorCode(forbidden) != EFORBIDDEN || ErrorMessage(forbidden) != "you may not sign this contract" ||
		ErrorText(forbidden).Format != "you may not %s this contract" || !errors.Is(forbidden, ErrNotWritable) {
		t.Errorf("forbiddenWrite = %v", forbidden)
	}
}

// TestJoinTexts checks that joined texts read as the English list they replace.
func TestJoinTexts(t *testing.T) {
	parts := []Text{Textf("a %d", 1), Textf("b"), Textf("c %s", "x")}
	for n, want := range []string{"", "a 1", "a 1; b", "a 1; b; c x"} {
		if got := joinTexts(parts[:n], "%s; %s").String(); got != want {
			t.Errorf("joinTexts of %d = %q, want %q", n, got, want)
		}
	}
}

// TestDisabledReasonText reads back each form of a webhook's DisabledReason.
func TestDisabledReasonText(t *testing.T) {
	auto := Textf(webhookDisabledAutomatically, time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339),
		24*time.Hour, "502 Bad Gateway (from: the proxy)").String()
	for _, tc := range []struct {
		reason, format string
		args           int
	}{
		{"disabled by management", webhookDisabledByManagement, 0},
		{auto, webhookDisabledAutomatically, 3},
		{"disabled automatically at noon, for no reason", "disabled automatically at noon, for no reason", 0},
		{"50% off", "50%% off", 0},
	} {
		got := DisabledReasonText(tc.reason)
		if got.Format != tc.format || len(got.Args) != tc.args || got.String() != tc.reason {
			t.Errorf("DisabledReasonText(%q) = %#v (%q)", tc.reason, got, got.String())
		}
	}
}
