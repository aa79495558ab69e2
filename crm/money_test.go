package crm_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	good := map[string]crm.Money{
		"0": 0, "1500": 150000, "1500.5": 150050, "1500.50": 150050, "0.01": 1, "-2.30": -230,
		"999999999999.99": crm.MaxMoney, "0012.00": 1200,
	}
	for in, want := range good {
		got, err := crm.ParseMoney(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-", "1.", ".5", "1.005", "1e3", "1,000.00", "+1", " 1", "abc", "1.2.3", "NaN", "9999999999999.00", "10000000000000"} {
		_, err := crm.ParseMoney(in)
		assert.Error(t, err, in)
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	cases := map[crm.Money]string{0: "0.00", 1: "0.01", 150000: "1500.00", -50: "-0.50", crm.MaxMoney: "999999999999.99"}
	for m, want := range cases {
		assert.Equal(t, want, m.String())
	}
}

func TestMoneyJSON(t *testing.T) {
	t.Parallel()
	var m crm.Money
	require.NoError(t, json.Unmarshal([]byte(`"1500.50"`), &m))
	assert.Equal(t, crm.Money(150050), m)
	require.NoError(t, json.Unmarshal([]byte(`1500.5`), &m), "numbers are accepted on input")
	assert.Equal(t, crm.Money(150050), m)
	require.NoError(t, json.Unmarshal([]byte(`0.1`), &m), "parsed exactly, never through a float")
	assert.Equal(t, crm.Money(10), m)
	assert.Error(t, json.Unmarshal([]byte(`1e2`), &m))
	assert.Error(t, json.Unmarshal([]byte(`"12.345"`), &m))
	assert.Error(t, json.Unmarshal([]byte(`true`), &m))
	b, err := json.Marshal(crm.Money(150000))
	require.NoError(t, err)
	assert.JSONEq(t, `"1500.00"`, string(b))
}

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := crm.ParseDate("2027-02-28")
	require.NoError(t, err)
	assert.Equal(t, "2027-02-28", d.String())
	assert.Equal(t, 28, d.Time().Day())
	for _, bad := range []string{"2027-02-30", "27-2-28", "2027/02/28", "", "2027-02-28T00:00:00Z"} {
		_, err := crm.ParseDate(bad)
		assert.Error(t, err, bad)
	}
	var got crm.Date
	require.NoError(t, json.Unmarshal([]byte(`"2027-12-31"`), &got))
	b, _ := json.Marshal(got)
	assert.Equal(t, `"2027-12-31"`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`20271231`), &got))
	assert.True(t, crm.Date{}.IsZero())
}

func TestOptJSON(t *testing.T) {
	t.Parallel()
	var in crm.ClientInput
	require.NoError(t, json.Unmarshal([]byte(`{"first_name":"Ann","sales_contact_id":null}`), &in))
	assert.True(t, in.FirstName.Set)
	assert.Equal(t, "Ann", in.FirstName.Value)
	assert.True(t, in.SalesContactID.Set, "an explicit null sets the field")
	assert.Nil(t, in.SalesContactID.Value)
	assert.False(t, in.LastName.Set, "an absent key leaves the field unset")
	b, err := json.Marshal(in.FirstName)
	require.NoError(t, err)
	assert.Equal(t, `"Ann"`, string(b))
	var u crm.UserInput
	assert.Error(t, json.Unmarshal([]byte(`{"is_active":null}`), &u), "null is no value for a field that is not nullable")
	assert.False(t, u.IsActive.Set)
	assert.Error(t, json.Unmarshal([]byte(`{"first_name": null}`), &in))
	b, _ = json.Marshal(in.LastName)
	assert.Equal(t, `null`, string(b))
}

func TestErrorHelpers(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "", crm.ErrorCode(nil))
	assert.Equal(t, crm.EINTERNAL, crm.ErrorCode(errors.New("boom")))
	assert.Equal(t, "an internal error occurred", crm.ErrorMessage(errors.New("secret driver text")))
	e := crm.Errorf(crm.ENOTFOUND, "no client %d", 7)
	wrapped := errors.Join(errors.New("context"), e)
	assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(wrapped))
	assert.Equal(t, "no client 7", crm.ErrorMessage(wrapped))
	in := crm.Internal(errors.New("pq: connection refused"))
	assert.Equal(t, crm.EINTERNAL, crm.ErrorCode(in))
	assert.NotContains(t, crm.ErrorMessage(in), "pq")
	assert.Contains(t, in.Error(), "pq: connection refused", "the cause stays in the log text")
	assert.ErrorIs(t, in, in.Err)
	fe := &crm.Error{Code: crm.EINVALID, Message: "bad", Fields: []crm.FieldError{{Field: "email", Message: "invalid"}}}
	assert.Contains(t, fe.Error(), "email: invalid")
	assert.Len(t, crm.ErrorFields(fe), 1)
	assert.Nil(t, crm.ErrorFields(errors.New("x")))
}
