package crm

// Exports of unexported checks for the fuzz tests of package crm_test.

// ValidEmail is validEmail.
var ValidEmail = validEmail

// CleanMultilineText is cleanText for multi-line fields (notes).
func CleanMultilineText(s string) bool { return cleanText(s, true) }
