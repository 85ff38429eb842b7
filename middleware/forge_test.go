package middleware_test

import (
	"strings"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// forge returns a well-formed key text (valid checksum) that no Service
// minted.
func forge(prefix, id string) string { return remember(keytest.Forge(prefix, id)) }

// wrongSecret returns a key with the id of token, another secret and a
// valid checksum.
func wrongSecret(token string) string { return remember(keytest.WrongSecret(token)) }

// badChecksum changes the last checksum digit of token.
func badChecksum(token string) string { return remember(keytest.BadChecksum(token)) }

// replaceAt returns token with s written over it at i.
func replaceAt(token string, i int, s string) string {
	return remember(token[:i] + s + token[i+len(s):])
}

func unknownID() string { return forge(apikey.DefaultPrefix, strings.Repeat("Z", apikey.IDLen)) }
