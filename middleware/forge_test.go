package middleware_test

import (
	"strings"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keyformat"
)

// forge returns a well-formed key text (valid checksum) that no Service
// minted.
func forge(prefix, id string) string {
	body := prefix + "_" + id + "_" + keyformat.Random(apikey.SecretLen)
	sum := keyformat.Checksum(body)
	return remember(body + string(sum[:]))
}

// wrongSecret returns a key with the id of token, another secret and a
// valid checksum.
func wrongSecret(token string) string {
	id, err := apikey.Parse(token)
	if err != nil {
		panic(err)
	}
	return forge(apikey.DefaultPrefix, id)
}

// badChecksum changes the last checksum digit of token.
func badChecksum(token string) string {
	last := token[len(token)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return remember(token[:len(token)-1] + string(repl))
}

// replaceAt returns token with s written over it at i.
func replaceAt(token string, i int, s string) string {
	return remember(token[:i] + s + token[i+len(s):])
}

func unknownID() string { return forge(apikey.DefaultPrefix, strings.Repeat("Z", apikey.IDLen)) }
