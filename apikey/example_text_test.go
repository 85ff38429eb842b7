package apikey_test

import (
	"fmt"

	"github.com/driive/keyauth/apikey"
)

// A secret scanner finds key-shaped text with TextPattern, then tells a
// real key from a lookalike offline: the last ChecksumLen digits of a key
// are the Checksum of the rest.
func ExampleChecksum() {
	log := "curl -H 'Authorization: Bearer dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET'" +
		" ... dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy000000"
	for _, match := range apikey.TextPattern.FindAllString(log, -1) {
		body, sum := match[:len(match)-apikey.ChecksumLen], match[len(match)-apikey.ChecksumLen:]
		fmt.Println(body[:15], apikey.Checksum(body) == sum)
	}
	// Output:
	// dk_AbCdEfGhIjKl true
	// dk_AbCdEfGhIjKl false
}

// A host redacts key text from what it writes to its own logs, whatever
// the prefix and whether or not the checksum holds.
func ExampleRedact() {
	fmt.Println(apikey.Redact("GET /export?key=dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxyzzzzzz: 401"))
	fmt.Println(apikey.Redacted == apikey.Redact("acme_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy000000"))
	// Output:
	// GET /export?key=[REDACTED]: 401
	// true
}
