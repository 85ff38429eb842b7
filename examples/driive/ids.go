package main

import "crypto/rand"

// base62 lists the digits of the example's record ids, in value order.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns prefix followed by 20 random base62 digits (119 bits from
// crypto/rand), like "ct_0mxn6YKi5kLTIoOrGkiI".
func newID(prefix string) string { return prefix + randomBase62(20) }

// randomBase62 returns n base62 digits drawn uniformly from crypto/rand.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every digit equally likely.
			if b < 248 && len(out) < n {
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}
