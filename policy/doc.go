// Package policy is the CRM's crm.Authorizer: it answers which scopes a role has for an action
// on a resource, from a Casbin model (model.conf) and a policy file (policy.csv) that an
// operator edits. Both are built into the binary; Default returns the built-in policy, Load
// reads another file, and Parse reads policy text from anywhere.
//
// # File format
//
// Each line of a policy file is a comment (starting with #), blank, or a rule:
//
//	p, ROLE, RESOURCE, ACTION, SCOPE   users with ROLE may do ACTION on RESOURCE within SCOPE
//	g, ROLE, OTHER                     ROLE also has every permission of OTHER
//
// Resources, actions and scopes are those of package crm. Values are matched exactly and
// case-sensitively (the model uses ==, never keyMatch or regular expressions), and only what
// a line allows is allowed: there are no deny rules.
//
// # Roles and permission groups
//
// A user holds one of the three roles management, sales and support (crm.Role), so only their
// permissions can ever apply. Any other role name in a policy is a permission group: a named
// set of permissions that takes effect only for a user role that inherits it, directly or
// through other groups, with g lines. For example
//
//	p, readers, client, read, any
//	g, sales, readers
//	g, support, readers
//
// lets sales and support read every client. A name that no user role inherits is refused,
// because its lines could never apply: this catches a misspelt role ("p, sale, ...") and a
// line such as "g, senior_sales, sales", which would define a role that no user can hold.
// A user role may also inherit another user role ("g, management, sales").
//
// # Validation
//
// A policy is checked as a whole before it is used, and every bad line is reported at once in
// a *LoadError, each with its line number and the reason:
//
//   - a line type other than p and g, or the wrong number of values;
//   - a blank value; an unknown resource, action or scope;
//   - an action that does not exist for the resource (only contracts are signed; users and
//     the audit log have no contacts to assign; the audit log is only read);
//   - a scope that makes no sense for the resource and action (crm.SensibleScopes, the table
//     the CRM itself applies whatever its Authorizer says): self is only for user records, own
//     and assigned never are; creating a client or a user, assign (which the CRM applies to
//     every record the role may update or create) and the audit log take scope any; nobody
//     deletes their own account, so user delete takes scope any;
//   - a duplicate of an earlier line;
//   - a role that no user role holds or inherits (see above);
//   - a g line whose inherited role has no permissions at all, whose roles form a cycle, or
//     that makes an inheritance chain deeper than MaxDepth, beyond which Casbin stops looking;
//   - a file without a single p line.
//
// # Use
//
// A *Policy is immutable once loaded: Scopes reads a table computed at load time from the
// Casbin enforcer's implicit permissions of each user role (inheritance resolved), so it is
// safe for concurrent use and costs a map lookup. Its Fingerprint names its effective rules,
// and its Warnings point out what, though valid, probably locks people out (nobody may manage
// users, management lost a permission of the built-in policy, nobody may read a resource).
//
// To change the rules while the CRM runs, give the crm.Service a *Live (Watch) rather than a
// *Policy: it follows the policy file, reloads it on ReloadOnSignal's signals (SIGHUP for the
// server), and swaps a new *Policy in atomically once it has passed every check, so a request
// never sees half a policy and a bad file never replaces a good one.
package policy
