package web

// Exports of unexported functions for the fuzz tests of package web_test.

// SafeNext is the guard of the login page's next= redirect of a UI mounted at the root.
func SafeNext(next string) string { return (&UI{root: Prefix}).safeNext(next) }
