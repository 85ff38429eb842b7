package apikey

import (
	"crypto/sha256"
	"encoding/binary"
	"unsafe"
)

// digest is the cache's proof that a request carries a text argon2id
// accepted: the first 128 bits of the SHA-256 of the whole key text. Half
// the hash is plenty for an equality check (making another text with the
// same digest is a 2^128 second-preimage search) and halves what each
// cached key keeps.
type digest [16]byte

// digestOf hashes the key text. Converting the string to a []byte would
// allocate on every request; sha256.Sum256 only reads its argument, so it
// gets a read-only view of the string's bytes.
func digestOf(token string) digest {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token))) // #nosec G103 -- read-only view; Sum256 neither writes nor keeps it
	return digest(sum[:16])
}

// sameDigest compares two digests in constant time, eight bytes at a time
// (subtle.ConstantTimeCompare goes byte by byte).
func sameDigest(a, b *digest) bool {
	d := (binary.LittleEndian.Uint64(a[:8]) ^ binary.LittleEndian.Uint64(b[:8])) |
		(binary.LittleEndian.Uint64(a[8:]) ^ binary.LittleEndian.Uint64(b[8:]))
	return (d|-d)>>63 == 0 // d == 0, without a branch on the data
}
