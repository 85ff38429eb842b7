package apikey

import "crypto/rand"

// base62Digits lists the base62 digits in value order.
const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// isBase62 reports whether c is a base62 digit.
func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// allBase62 reports whether every byte of s is a base62 digit.
func allBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase62(s[i]) {
			return false
		}
	}
	return true
}

// randomBase62 returns n base62 digits drawn uniformly from crypto/rand.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every digit equally likely.
			if b < 248 && len(out) < n {
				out = append(out, base62Digits[b%62])
			}
		}
	}
	return string(out)
}
