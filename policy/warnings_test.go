package policy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/policy"
)

func TestFingerprintIsOfTheEffectiveRules(t *testing.T) {
	t.Parallel()
	def, err := policy.Default()
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{12}$`), def.Fingerprint())

	// The same permissions written differently: no comments, another order, a group.
	var rules []string
	for _, l := range strings.Split(policy.DefaultCSV, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			rules = append([]string{strings.ReplaceAll(l, ", ", ",")}, rules...)
		}
	}
	assert.Equal(t, def.Fingerprint(), mustParse(t, lines(rules...)).Fingerprint())
	grouped := strings.Replace(policy.DefaultCSV, "p, support, user, read, self\n", "p, selfreaders, user, read, self\ng, support, selfreaders\n", 1)
	require.NotEqual(t, grouped, policy.DefaultCSV)
	assert.Equal(t, def.Fingerprint(), mustParse(t, grouped).Fingerprint())

	// Any change in who may do what changes it.
	seen := map[string]string{def.Fingerprint(): "default"}
	for name, text := range map[string]string{
		"one scope more":  policy.DefaultCSV + "p, support, client, read, any\n",
		"one line less":   strings.Replace(policy.DefaultCSV, "p, sales, event, create, own\n", "", 1),
		"another role":    strings.Replace(policy.DefaultCSV, "p, sales, event, create, own\n", "p, support, event, create, own\n", 1),
		"another scope":   strings.Replace(policy.DefaultCSV, "p, sales, event, read, own\n", "p, sales, event, read, any\n", 1),
		"another action":  strings.Replace(policy.DefaultCSV, "p, sales, contract, update, own\n", "p, sales, contract, delete, own\n", 1),
		"a small policy":  base,
		"another small":   "p, management, client, read, any\n",
		"inherits a role": "p, management, client, read, any\ng, sales, management\n",
	} {
		fp := mustParse(t, text).Fingerprint()
		if other, dup := seen[fp]; dup {
			t.Errorf("%s has the fingerprint of %s", name, other)
		}
		seen[fp] = name
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	def, err := policy.Default()
	require.NoError(t, err)
	assert.Empty(t, def.Warnings(), "the built-in policy locks nobody out")
	readAll, err := policy.Load(filepath.Join("..", "examples", "policies", "read-all.csv"))
	require.NoError(t, err)
	assert.Empty(t, readAll.Warnings(), "the shipped example locks nobody out")
	assert.Empty(t, mustParse(t, policy.DefaultCSV+"p, sales, client, read, any\n").Warnings(), "more than the built-in is fine")

	// Only sales lines: nobody manages users, management has lost everything, and much is
	// unreadable.
	var sales []string
	for _, l := range strings.Split(policy.DefaultCSV, "\n") {
		if strings.HasPrefix(l, "p, sales,") {
			sales = append(sales, l)
		}
	}
	ws := mustParse(t, lines(sales...)).Warnings()
	require.NotEmpty(t, ws)
	assert.Equal(t, `no role may manage users: none has "user, create, any" (to add accounts) or "user, update, any" `+
		`(to change roles, deactivate accounts or reset passwords); management has them in the built-in policy`, ws[0])
	assert.Contains(t, ws, `management lost permissions on audit that the built-in policy gives it: "p, management, audit, read, any"; add them back unless that is meant`)
	assert.Contains(t, ws, `nobody may read the audit log: give some role a line "p, ROLE, audit, read, SCOPE"`)
	for _, w := range ws {
		assert.NotContains(t, w, "nobody may read client", "sales read their clients")
	}

	// Management without user creation only.
	noCreate := strings.Replace(policy.DefaultCSV, "p, management, user, create, any\n", "", 1)
	assert.Equal(t, []string{
		`no role may manage users: none has "user, create, any" (to add accounts); management has them in the built-in policy`,
		`management lost permissions on user that the built-in policy gives it: "p, management, user, create, any"; add them back unless that is meant`,
	}, mustParse(t, noCreate).Warnings())

	// Another role managing users is not a lockout, but management losing it still is worth a word.
	moved := strings.NewReplacer("p, management, user, create, any\n", "p, sales, user, create, any\n",
		"p, management, user, update, any\n", "p, sales, user, update, any\n").Replace(policy.DefaultCSV)
	ws = mustParse(t, moved).Warnings()
	require.Len(t, ws, 1)
	assert.Contains(t, ws[0], "management lost permissions on user")

	// Nobody reads the audit log, though management keeps the rest.
	noAudit := strings.Replace(policy.DefaultCSV, "p, management, audit, read, any\n", "", 1)
	assert.Len(t, mustParse(t, noAudit).Warnings(), 2)

	// A group that management inherits counts as management's own.
	viaGroup := strings.Replace(policy.DefaultCSV, "p, management, audit, read, any\n", "p, auditors, audit, read, any\ng, management, auditors\n", 1)
	assert.Empty(t, mustParse(t, viaGroup).Warnings())
}

func TestWarningsOfAFileOnDisk(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sales-only.csv")
	require.NoError(t, os.WriteFile(path, []byte("p, sales, client, read, own\n"), 0o600))
	p, err := policy.Load(path)
	require.NoError(t, err, "warnings do not refuse a policy")
	assert.NotEmpty(t, p.Warnings())
}
