package crm_test

import (
	"encoding/json"
	"math/big"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// decimalAmount is the grammar ParseMoney accepts: an optional leading minus, digits, and at
// most two decimals after a dot.
var decimalAmount = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,2})?$`)

// exactCents returns the value of s in cents, computed with exact rationals (an oracle
// independent of ParseMoney's digit arithmetic), and whether s is in the grammar at all.
func exactCents(s string) (*big.Int, bool) {
	if !decimalAmount.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() {
		return nil, false
	}
	return r.Num(), true
}

// FuzzParseMoney checks ParseMoney against an exact oracle: it accepts exactly the decimal
// amounts of the grammar within ±MaxMoney, with the exact value; whatever it accepts prints
// back (String) to text that parses to the same amount and is the canonical spelling; and the
// JSON forms (string and number) agree with it.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "1500", "1500.5", "1500.50", "0.01", "-2.30", "-0", "-0.00", "0012.00",
		"999999999999.99", "-999999999999.99", "1000000000000.00", "00000000000001", "000000000000000000001.5",
		"9223372036854775807", "-92233720368547758.08", "", "-", ".", "1.", ".5", "1.005", "1e3", "1E3",
		"1,000.00", "+1", " 1", "1 ", "١٢٣", "１２", "0x10", "NaN", "Inf", "1_000", "--1", "-.5", "1.-5", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := crm.ParseMoney(s)
		want, inGrammar := exactCents(s)
		inRange := inGrammar && want.CmpAbs(big.NewInt(int64(crm.MaxMoney))) <= 0
		if err != nil {
			assert.False(t, inRange, "ParseMoney(%q) refused an amount in range: %v", s, err)
			assert.NotEmpty(t, err.Error())
			return
		}
		require.True(t, inRange, "ParseMoney(%q) accepted %d, which is not an amount within ±MaxMoney", s, m)
		require.Equal(t, want.Int64(), int64(m), "ParseMoney(%q) has the wrong value", s)

		printed := m.String()
		back, err := crm.ParseMoney(printed)
		require.NoError(t, err, "ParseMoney(%q) = %d prints as %q, which does not parse back", s, m, printed)
		require.Equal(t, m, back, "%q does not round-trip through %q", s, printed)
		assert.Equal(t, printed, back.String(), "String is not canonical")
		assert.Regexp(t, `^-?(0|[1-9][0-9]*)\.[0-9]{2}$`, printed)

		js, err := json.Marshal(m)
		require.NoError(t, err)
		var fromString crm.Money
		require.NoError(t, json.Unmarshal(js, &fromString), "the JSON %s of %q does not decode", js, s)
		assert.Equal(t, m, fromString)
		if json.Valid([]byte(s)) {
			// The same spelling as a JSON number decodes to the same amount. (JSON numbers have
			// no leading zeros: the JSON decoder refuses those before Money sees them.)
			var fromNumber crm.Money
			require.NoError(t, json.Unmarshal([]byte(s), &fromNumber), "the JSON number %s", s)
			assert.Equal(t, m, fromNumber)
		}
	})
}

// FuzzMoneyString checks that every amount within ±MaxMoney prints to text ParseMoney reads back
// as the same amount, and that every amount beyond it prints to text ParseMoney refuses, so an
// amount the domain would not accept can never come back in through its own output.
func FuzzMoneyString(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, -50, int64(crm.MaxMoney), -int64(crm.MaxMoney), int64(crm.MaxMoney) + 1,
		-int64(crm.MaxMoney) - 1, 1<<63 - 1, -1 << 63} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		m := crm.Money(v)
		back, err := crm.ParseMoney(m.String())
		if m < -crm.MaxMoney || m > crm.MaxMoney {
			require.Error(t, err, "%d is beyond MaxMoney but %q parses", v, m.String())
			return
		}
		require.NoError(t, err, "%d prints as %q", v, m.String())
		require.Equal(t, m, back)
	})
}
