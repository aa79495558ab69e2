package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestPreferencesValidate checks the time zones Validate accepts: an IANA name, or empty for the
// default; never "Local" (which time.LoadLocation takes for the host's zone), a name with spaces
// around it or one that does not exist, each refused on the time_zone field.
func TestPreferencesValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone string
		ok   bool
	}{
		{"", true},
		{"Europe/Paris", true},
		{"UTC", true},
		{"America/Argentina/Buenos_Aires", true},
		{"Local", false},
		{" Europe/Paris", false},
		{"Mars/Olympus_Mons", false},
	} {
		err := crm.Preferences{Language: "fr", TimeZone: tc.zone, Theme: crm.ThemeDark}.Validate([]string{"en", "fr"})
		if tc.ok {
			assert.NoError(t, err, "%q", tc.zone)
			continue
		}
		require.Error(t, err, "%q", tc.zone)
		assert.Equal(t, crm.EINVALID, crm.ErrorCode(err))
		fields := crm.ErrorFields(err)
		if assert.Len(t, fields, 1, "%q", tc.zone) {
			assert.Equal(t, "time_zone", fields[0].Field)
			assert.Equal(t, crm.FieldInvalidChoice, fields[0].Code)
			assert.Contains(t, fields[0].Message, "IANA time zone")
		}
	}
	fields := crm.ErrorFields(crm.Preferences{TimeZone: "Local"}.Validate(nil))
	require.Len(t, fields, 1)
	assert.Contains(t, fields[0].Message, "not Local", "the message says why Local is refused")
}
