package keytest

import (
	"github.com/driive/keyauth/internal/keyformat"
)

// Text matches key-shaped text of any prefix anywhere in a string, valid
// checksum or not. It is [keyformat.Text], the pattern the middleware
// redacts with.
var Text = keyformat.Text

// WithChecksum completes a key body ("<prefix>_<id>_<secret>") with its
// checksum. The body is not checked: tests use it to build keys that are
// wrong in every other way.
func WithChecksum(body string) string {
	sum := keyformat.Checksum(body)
	return body + string(sum[:])
}

// Forge returns a well-formed key of prefix and id with a random secret
// and a valid checksum, which no Service minted. An empty id is replaced
// by a random one.
func Forge(prefix, id string) string {
	if id == "" {
		id = keyformat.Random(keyformat.IDLen)
	}
	return WithChecksum(prefix + "_" + id + "_" + keyformat.Random(keyformat.SecretLen))
}

// WrongSecret returns a key with the prefix and id of key, another random
// secret and a valid checksum: it passes every offline check, so only the
// hash can refuse it. key must be well-formed.
func WrongSecret(key string) string {
	head := key[:len(key)-keyformat.SecretLen-keyformat.ChecksumLen] // "<prefix>_<id>_"
	return WithChecksum(head + keyformat.Random(keyformat.SecretLen))
}

// BadChecksum returns key with its last checksum digit changed.
func BadChecksum(key string) string {
	repl := "0"
	if key[len(key)-1] == '0' {
		repl = "1"
	}
	return key[:len(key)-1] + repl
}
