package policy_test

import (
	"errors"
	"fmt"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

func ExampleDefault() {
	p, err := policy.Default()
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Scopes(crm.RoleSales, crm.ResourceContract, crm.ActionSign))
	fmt.Println(p.Scopes(crm.RoleSupport, crm.ResourceEvent, crm.ActionUpdate))
	fmt.Println(p.Scopes(crm.RoleSupport, crm.ResourceAudit, crm.ActionRead))
	// Output:
	// [own]
	// [assigned]
	// []
}

func ExampleParse() {
	_, err := policy.Parse("custom.csv", []byte(`# sales may also sign any contract
p, sales, contract, sign, any
p, sales, contracts, read, own
g, sales, reviewers
`))
	var le *policy.LoadError
	if errors.As(err, &le) {
		fmt.Println(le)
	}
	// Output:
	// custom.csv:3: unknown resource "contracts": it must be one of user, client, contract, event, audit
	// custom.csv:4: role "reviewers" has no permissions to inherit: give it some with p lines, or remove this line
}

func ExamplePolicy_Matrix() {
	p, err := policy.Parse("groups.csv", []byte(`
p, readers, event, read, any
p, support, event, update, assigned
g, support, readers
`))
	if err != nil {
		panic(err)
	}
	for _, r := range p.Matrix() {
		fmt.Println(r.Role, r.Resource, r.Action, r.Scopes)
	}
	// Output:
	// support event read [any]
	// support event update [assigned]
}
