package keytest

import (
	"crypto/rand"

	"github.com/driive/keyauth/apikey"
)

// Text matches key-shaped text of any prefix anywhere in a string, valid
// checksum or not. It is [apikey.TextPattern], the pattern the middleware
// redacts with.
var Text = apikey.TextPattern

// WithChecksum completes a key body ("<prefix>_<id>_<secret>") with its
// checksum. The body is not checked: tests use it to build keys that are
// wrong in every other way.
func WithChecksum(body string) string { return body + apikey.Checksum(body) }

// Forge returns a well-formed key of prefix and id with a random secret
// and a valid checksum, which no Service minted. An empty id is replaced
// by a random one.
func Forge(prefix, id string) string {
	if id == "" {
		id = RandomBase62(apikey.IDLen)
	}
	return WithChecksum(prefix + "_" + id + "_" + RandomBase62(apikey.SecretLen))
}

// WrongSecret returns a key with the prefix and id of key, another random
// secret and a valid checksum: it passes every offline check, so only the
// hash can refuse it. key must be well-formed.
func WrongSecret(key string) string {
	head := key[:len(key)-apikey.SecretLen-apikey.ChecksumLen] // "<prefix>_<id>_"
	return WithChecksum(head + RandomBase62(apikey.SecretLen))
}

// BadChecksum returns key with its last checksum digit changed.
func BadChecksum(key string) string {
	repl := "0"
	if key[len(key)-1] == '0' {
		repl = "1"
	}
	return key[:len(key)-1] + repl
}

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomBase62 returns n base62 digits drawn uniformly from crypto/rand:
// an id or a secret of a key that no Service minted.
func RandomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			if b < 248 && len(out) < n { // 248 = 4*62: every digit equally likely
				out = append(out, base62Digits[b%62])
			}
		}
	}
	return string(out)
}
