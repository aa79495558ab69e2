package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestWeakPasswordReasons checks that a refused password gives one weak_password error on the
// field, its English sentences joined as the message and each broken rule's reason and values in
// Args, which WeakPasswordReasons reads back; and that a reason this version does not know
// leaves Args empty, so that only the message explains it.
func TestWeakPasswordReasons(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	create := func(username, password string) crm.FieldError {
		t.Helper()
		_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some(username), Email: crm.Some(username + "@epic.example"),
			Role: crm.Some(crm.RoleSales), Password: crm.Some(password)})
		require.Equal(t, crm.EINVALID, crm.ErrorCode(err), "%v", err)
		fields := crm.ErrorFields(err)
		require.Len(t, fields, 1)
		assert.Equal(t, "password", fields[0].Field)
		assert.Equal(t, crm.FieldWeakPassword, fields[0].Code)
		return fields[0]
	}

	f := create("zed", "zed")
	assert.Equal(t, "too short. too similar to the username.", f.Message)
	assert.Equal(t, []string{"too_short", "8", "too_similar", "username"}, f.Args)
	assert.Equal(t, []crm.PasswordProblem{{Reason: "too_short", Args: []string{"8"}}, {Reason: "too_similar", Args: []string{"username"}}},
		crm.WeakPasswordReasons(f))

	f = create("zoe", "password123")
	assert.Equal(t, []string{"too_common"}, f.Args)
	assert.Equal(t, []crm.PasswordProblem{{Reason: "too_common", Args: []string{}}}, crm.WeakPasswordReasons(f))

	f = create("zak", "custom-rule")
	assert.Equal(t, "breaks a house rule.", f.Message)
	assert.Empty(t, f.Args, "an unknown reason: no Args")
	assert.Nil(t, crm.WeakPasswordReasons(f))

	for _, args := range [][]string{{"too_short"}, {"too_common", "extra"}, {"house_rule"}, {}} {
		assert.Nil(t, crm.WeakPasswordReasons(crm.FieldError{Code: crm.FieldWeakPassword, Args: args}), "%q", args)
	}
	assert.Nil(t, crm.WeakPasswordReasons(crm.FieldError{Code: crm.FieldTooLong, Args: []string{"too_common"}}))
}
