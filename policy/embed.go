package policy

import (
	_ "embed"
	"sync"
)

// ModelConf is the Casbin model the CRM applies policies with: requests of (role, resource,
// action), permission lines of (role, resource, action, scope), g role inheritance, allow-only
// effect and exact matching. It is fixed: operators change the policy, not the model.
//
//go:embed model.conf
var ModelConf string

// DefaultCSV is the built-in policy file: the permission table of the specification, with
// comments that explain the format to an operator, so that it can be handed out as the
// starting point of a custom policy.
//
//go:embed policy.csv
var DefaultCSV string

// DefaultName is the name the built-in policy goes by in messages.
const DefaultName = "built-in policy.csv"

var defaultPolicy = sync.OnceValues(func() (*Policy, error) {
	return Parse(DefaultName, []byte(DefaultCSV))
})

// Default returns the built-in policy (DefaultCSV). It is parsed once and shared, which is safe
// because a Policy never changes. An error would mean the binary was built with a broken
// policy.csv, which the package's tests rule out.
func Default() (*Policy, error) { return defaultPolicy() }
