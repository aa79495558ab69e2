package policy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/policy"
)

// TestMalformedLineIsRefused adds one bad line (line 4) to a valid policy and checks that the
// policy is refused with that line number and a reason that says what is wrong.
func TestMalformedLineIsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, line, reason string
	}{
		{"unknown line type", "x, sales, client, read, own", `unknown line type "x"`},
		{"unknown numbered line type", "p2, sales, client, read, own", `unknown line type "p2"`},
		{"model line", "m = r.sub == p.sub", `unknown line type "m = r.sub == p.sub"`},
		{"p with too few values", "p, sales, client, read", "a p line has 4 values after p (role, resource, action, scope), this one has 3"},
		{"p with too many values", "p, sales, client, read, own, any", "this one has 5"},
		{"p with an effect", "p, sales, client, delete, own, deny", "there is no allow or deny value"},
		{"g with too few values", "g, sales", "a g line has 2 values after g (role, inherited role), this one has 1"},
		{"g with a domain", "g, sales, support, domain1", "this one has 3"},
		{"unreadable quotes", `p, "sales, client, read, own`, "cannot be read as comma-separated values"},
		{"blank role", "p, , client, read, own", "blank role name"},
		{"blank g role", "g, sales, ", "blank role name"},
		{"blank resource", "p, sales, , read, own", "blank resource"},
		{"blank action", "p, sales, client, , own", "blank action"},
		{"blank scope", "p, sales, client, read,", "blank scope"},
		{"unknown resource", "p, sales, clients, read, own", `unknown resource "clients": it must be one of user, client, contract, event, audit`},
		{"resource in capitals", "p, sales, Client, read, own", `unknown resource "Client"`},
		{"resource pattern", "p, sales, client*, read, own", `unknown resource "client*"`},
		{"wildcard", "p, sales, *, read, any", `unknown resource "*"`},
		{"unknown action", "p, sales, client, write, own", `unknown action "write": it must be one of read, create, update, delete, assign, sign`},
		{"HTTP method as action", "p, sales, client, GET, own", `unknown action "GET"`},
		{"unknown scope", "p, sales, client, read, mine", `unknown scope "mine": it must be one of any, own, assigned, self`},
		{"trailing comment", "p, sales, client, update, own # theirs", "a comment must be on a line of its own"},
		{"self on a client", "p, sales, client, read, self", `scope "self" makes no sense for read on client: self means the user's own account`},
		{"own on users", "p, sales, user, read, own", "user records have no sales or support contact"},
		{"assigned on users", "p, support, user, update, assigned", "user records have no sales or support contact"},
		{"audit written", "p, management, audit, update, any", `audit records cannot be given the action "update": their actions are read`},
		{"audit narrowed", "p, sales, audit, read, own", "the audit log is read as a whole"},
		{"signing a client", "p, sales, client, sign, own", `client records cannot be given the action "sign": their actions are read, create, update, delete, assign`},
		{"signing an event", "p, support, event, sign, assigned", `event records cannot be given the action "sign"`},
		{"assigning users", "p, management, user, assign, any", `user records cannot be given the action "assign"`},
		{"narrowed assign", "p, sales, client, assign, own", "a narrower scope would not narrow it"},
		{"narrowed client create", "p, sales, client, create, own", "the scope of create applies to the parent record, and a new client has none"},
		{"user create self", "p, sales, user, create, self", "a new user has none"},
		{"deleting oneself", "p, sales, user, delete, self", "nobody may delete their own account"},
		{"duplicate line", "p,management,client,read,any", "duplicate of line 2"},
		{"misspelt role", "p, sale, client, update, own", `role "sale" can never apply: users hold only the roles management, sales, support`},
		{"role in capitals", "p, Sales, client, update, own", `unknown role "Sales": role names are case-sensitive; did you mean "sales"?`},
		{"group nobody inherits", "p, readers, client, read, any", `none of them inherits "readers"`},
		{"role extending a role", "g, senior_sales, sales", `role "senior_sales" can never apply`},
		{"inheriting a role without permissions", "g, sales, nobody", `role "nobody" has no permissions to inherit`},
		{"inheriting itself", "g, sales, sales", "role inheritance forms a cycle (sales -> sales)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			le := mustRefuse(t, base+tc.line+"\n")
			assert.Equal(t, "test.csv", le.File)
			reasons := problemsAt(le, 4)
			require.NotEmpty(t, reasons, "line 4 is reported; got %v", le)
			assert.Contains(t, strings.Join(reasons, "\n"), tc.reason)
			for _, e := range le.Errors {
				assert.Equal(t, 4, e.Line, "only the bad line is reported: %s", e.Reason)
				assert.Equal(t, strings.TrimSpace(tc.line), e.Text)
			}
		})
	}
}

// TestEveryBadLineIsReported checks that one parse reports every bad line, in line order, and
// that the error reads as "file:line: reason" lines.
func TestEveryBadLineIsReported(t *testing.T) {
	t.Parallel()
	text := lines(
		"# a policy with many mistakes",       // 1
		"p, management, client, read, any",    // 2
		"p, sales, clients, read, own",        // 3: unknown resource
		"",                                    // 4
		"q, sales, client, read, own",         // 5: unknown line type
		"p, sales, client, read, own",         // 6
		"p, sales, client, read",              // 7: too few values
		"g, sales, support",                   // 8
		"g, support, sales",                   // 9: closes a cycle
		"p, sale, contract, write, mine",      // 10: unknown role, action and scope
		"p, support, event, update, assigned", // 11
	)
	le := mustRefuse(t, text)
	var got []int
	for _, e := range le.Errors {
		got = append(got, e.Line)
	}
	assert.Equal(t, []int{3, 5, 7, 9, 10, 10, 10}, got)
	assert.Len(t, problemsAt(le, 10), 3, "the role, the action and the scope of line 10 are each reported")

	msg := le.Error()
	msgLines := strings.Split(msg, "\n")
	require.Len(t, msgLines, len(le.Errors))
	for i, e := range le.Errors {
		assert.True(t, strings.HasPrefix(msgLines[i], "test.csv:"), msgLines[i])
		assert.Contains(t, msgLines[i], e.Reason)
	}
	assert.Equal(t, `test.csv:3: unknown resource "clients": it must be one of user, client, contract, event, audit`, msgLines[0])
	assert.Contains(t, msgLines[3], "test.csv:9: role inheritance forms a cycle (sales -> support -> sales)")
}

func TestPolicyWithoutPermissionsIsRefused(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"empty":         "",
		"only comments": "# nothing\n\n# here\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			le := mustRefuse(t, text)
			require.Len(t, le.Errors, 1)
			assert.Equal(t, 0, le.Errors[0].Line)
			assert.Equal(t, "test.csv: the policy allows nothing: it has no p line (is this the right file?)", le.Error())
		})
	}
}

func TestParseWithoutName(t *testing.T) {
	t.Parallel()
	_, err := policy.Parse("", []byte("p, sales, client, read, mine\n"))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "policy:1: "), err.Error())
}
