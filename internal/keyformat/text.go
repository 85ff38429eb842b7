package keyformat

import "regexp"

// IDLen and SecretLen are the lengths of a key's id and secret in base62
// digits (apikey.IDLen and apikey.SecretLen are the same constants).
const (
	IDLen     = 12
	SecretLen = 32
)

// Text matches key-shaped text of any prefix anywhere in a string: a
// prefix ([a-z][a-z0-9]{0,7}), "_", the id, "_", the secret and checksum.
// It matches whether or not the checksum holds, because a mangled key is
// still a secret, and keys of any prefix, because a key of another
// deployment is a secret too. Anchored and with one prefix, it is
// apikey.PatternFor.
var Text = regexp.MustCompile(TextExpr)

// TextExpr is the regular expression of [Text], for packages that need a
// *regexp.Regexp of their own (apikey.TextPattern is public, and a caller
// may call its Longest method).
const TextExpr = `[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{` + idLenText + `}_[0-9A-Za-z]{` + secretChecksumLenText + `}`

// The lengths as text, for TextExpr; TestLengthsAreTheFormatsOwn checks
// them against the constants.
const (
	idLenText             = "12"
	secretChecksumLenText = "38"
)

// Redacted is what replaces a secret in text.
const Redacted = "[REDACTED]"

// Redact returns s with every match of [Text] replaced by [Redacted].
func Redact(s string) string { return Text.ReplaceAllLiteralString(s, Redacted) }
