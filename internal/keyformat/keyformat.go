// Package keyformat holds the text-level pieces of the key format: base62
// digits, the CRC-32 checksum and random base62 strings. It knows nothing of
// stores or hashing, so it can be fuzzed and benchmarked on its own.
package keyformat

import (
	"crypto/rand"
	"hash/crc32"
)

// Alphabet lists the base62 digits in value order.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ChecksumLen is the number of base62 digits of the checksum: 62^6 > 2^32.
const ChecksumLen = 6

// IsBase62 reports whether c is a base62 digit.
func IsBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// AllBase62 reports whether every byte of s is a base62 digit.
func AllBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if !IsBase62(s[i]) {
			return false
		}
	}
	return true
}

// crcTable is computed once; crc32.IEEETable would do as well, but the
// loop below reads a string without converting it to a []byte, so the
// checksum of a request's token never allocates.
var crcTable = crc32.MakeTable(crc32.IEEE)

// CRC32 is crc32.ChecksumIEEE of the bytes of s.
func CRC32(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crcTable[byte(crc)^s[i]] ^ (crc >> 8) // #nosec G115 -- the table is indexed by the low byte: truncation is the point
	}
	return ^crc
}

// Checksum returns the CRC-32/IEEE of s as ChecksumLen base62 digits, most
// significant first, zero-padded.
func Checksum(s string) [ChecksumLen]byte {
	var out [ChecksumLen]byte
	v := uint64(CRC32(s))
	for i := ChecksumLen - 1; i >= 0; i-- {
		out[i] = Alphabet[v%62]
		v /= 62
	}
	return out
}

// ValidChecksum reports whether sum is the checksum of s. It does not
// allocate.
func ValidChecksum(s, sum string) bool {
	if len(sum) != ChecksumLen {
		return false
	}
	want := Checksum(s)
	return string(want[:]) == sum
}

// Random returns n base62 digits drawn uniformly from crypto/rand.
func Random(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every digit equally likely.
			if b < 248 && len(out) < n {
				out = append(out, Alphabet[b%62])
			}
		}
	}
	return string(out)
}
