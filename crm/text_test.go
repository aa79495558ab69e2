package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestControlCharactersAreRefused checks that text a person cannot type (NUL, other control
// characters, invalid UTF-8) is refused as invalid input, naming the field, rather than reaching
// a database that may fail on it.
func TestControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some("A\x00n"), LastName: crm.Some("L\x1bee"),
		Email: crm.Some("a\x00@b.example"), Company: crm.Some("\xff\xfe")})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"company", "email", "first_name", "last_name"}, fieldsOf(err))

	_, err = w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Name: crm.Some("Gala\nNight"), Location: crm.Some("Paris\x00")}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"location", "name"}, fieldsOf(err))
	e, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Notes: crm.Some("Line one\r\nLine two\twith a tab")}, 0)
	require.NoError(t, err, "notes are multi-line text")
	assert.Contains(t, e.Notes, "\n")

	_, err = w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{FirstName: crm.Some("S\x07am")}, 0)
	requireCode(t, err, crm.EINVALID)

	lists := map[string]func() error{
		"users":   func() error { _, _, err := w.svc.ListUsers(w.ctxM, crm.UserFilter{Q: "a\x00"}); return err },
		"clients": func() error { _, _, err := w.svc.ListClients(w.ctxM, crm.ClientFilter{Company: "\x00"}); return err },
		"contracts": func() error {
			_, _, err := w.svc.ListContracts(w.ctxM, crm.ContractFilter{ClientEmail: "\xff"})
			return err
		},
		"events": func() error { _, err := w.svc.CountEvents(w.ctxM, crm.EventFilter{Q: "x\x00"}); return err },
	}
	for name, list := range lists {
		err := list()
		assert.Equal(t, crm.EMALFORMED, crm.ErrorCode(err), name)
	}
	_, _, err = w.svc.ListClients(w.ctxM, crm.ClientFilter{Q: "Ünïcode café"})
	assert.NoError(t, err, "ordinary unicode is fine")
}

func TestTwoProblemsWithOneFieldAreReportedTogether(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateClient(w.ctxS1, crm.ClientInput{FirstName: crm.Some(string(make([]byte, 200))), LastName: crm.Some("Lee"), Email: crm.Some("a@b.example")})
	requireCode(t, err, crm.EINVALID)
	fields := crm.ErrorFields(err)
	require.Len(t, fields, 1)
	assert.Equal(t, "first_name", fields[0].Field)
	assert.Contains(t, fields[0].Message, "at most 150 characters")
	assert.Contains(t, fields[0].Message, "control characters")
}
