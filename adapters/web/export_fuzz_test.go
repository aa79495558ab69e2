package web

// Exports of unexported functions for the fuzz tests of package web_test.

// SafeNext is safeNext, the guard of the login page's next= redirect.
var SafeNext = safeNext
