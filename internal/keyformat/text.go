package keyformat

import (
	"regexp"
	"strconv"
)

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
var Text = regexp.MustCompile(`[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{` + strconv.Itoa(IDLen) +
	`}_[0-9A-Za-z]{` + strconv.Itoa(SecretLen+ChecksumLen) + `}`)

// Redacted is what replaces a secret in text.
const Redacted = "[REDACTED]"

// Redact returns s with every match of [Text] replaced by [Redacted].
func Redact(s string) string { return Text.ReplaceAllLiteralString(s, Redacted) }
