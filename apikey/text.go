package apikey

import (
	"regexp"
	"strconv"
)

// TextPattern matches key-shaped text of any prefix anywhere in a string:
// a prefix ([a-z][a-z0-9]{0,7}), "_", the id, "_", the secret and
// checksum. It is what a secret scanner, a log redactor or an input check
// looks for. It matches whether or not the checksum holds, because a
// mangled key is still a secret (a scanner confirms a match with
// [Checksum]), and keys of any prefix, because a key of another
// deployment is a secret too. ([Pattern] and [PatternFor] match a whole
// key of one prefix.)
var TextPattern = regexp.MustCompile(`[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{` + strconv.Itoa(IDLen) +
	`}_[0-9A-Za-z]{` + strconv.Itoa(SecretLen+ChecksumLen) + `}`)

// ContainsKeyText reports whether s holds text shaped like a key
// ([TextPattern]), checksum or not.
func ContainsKeyText(s string) bool { return TextPattern.MatchString(s) }

// Redacted is what [Redact] puts in place of key text.
const Redacted = "[REDACTED]"

// Redact returns s with every match of [TextPattern] replaced by
// [Redacted]: what a host does to text bound for its own logs (a request
// path, a header, an error from elsewhere) that may hold a key.
func Redact(s string) string { return TextPattern.ReplaceAllLiteralString(s, Redacted) }
