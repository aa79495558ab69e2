// Package pycompat reproduces the few Python behaviours that Django's password validators rely
// on, so that the password adapter refuses exactly what Django refuses: str.lower, str.isdigit,
// str.strip, re.split(r'\W+', s) and difflib.SequenceMatcher.quick_ratio. Strings are handled
// as sequences of code points, as Python does.
package pycompat
