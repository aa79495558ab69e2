// Package password implements crm.Passwords: argon2id password hashing in the PHC string format,
// and Django's four default password validators (minimum length, similarity to the user's
// attributes, common passwords, entirely numeric), so that the CRM refuses the same passwords
// as the Django project it replaces.
//
// A Hasher made with New(Recommended) is what a server uses. Tests of other packages use
// New(ForTests), whose hashes are cheap to compute and worthless against an attacker.
package password
