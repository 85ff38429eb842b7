package apikey

import "hash/crc32"

// Checksum returns the checksum of a key body, "<prefix>_<id>_<secret>":
// the CRC-32/IEEE of its bytes as [ChecksumLen] base62 digits, most
// significant first, zero-padded. A key is its body followed by this
// checksum, so a secret scanner that found key-shaped text ([TextPattern])
// can tell a real key from a lookalike offline, without a store:
//
//	body, sum := match[:len(match)-apikey.ChecksumLen], match[len(match)-apikey.ChecksumLen:]
//	real := apikey.Checksum(body) == sum
//
// [Parse] checks the checksum of keys with the default prefix.
func Checksum(body string) string {
	sum := checksum(body)
	return string(sum[:])
}

// crcTable is computed once; crc32.IEEETable would do as well, but the
// loop below reads a string without converting it to a []byte, so the
// checksum of a request's token never allocates.
var crcTable = crc32.MakeTable(crc32.IEEE)

// crc32String is crc32.ChecksumIEEE of the bytes of s.
func crc32String(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crcTable[byte(crc)^s[i]] ^ (crc >> 8) // #nosec G115 -- the table is indexed by the low byte: truncation is the point
	}
	return ^crc
}

// checksum is [Checksum] without the allocation of a string.
func checksum(s string) [ChecksumLen]byte {
	var out [ChecksumLen]byte
	v := uint64(crc32String(s))
	for i := ChecksumLen - 1; i >= 0; i-- {
		out[i] = base62Digits[v%62]
		v /= 62
	}
	return out
}

// validChecksum reports whether sum is the checksum of s. It does not
// allocate.
func validChecksum(s, sum string) bool {
	if len(sum) != ChecksumLen {
		return false
	}
	want := checksum(s)
	return string(want[:]) == sum
}
