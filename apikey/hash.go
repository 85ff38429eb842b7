package apikey

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"github.com/alexedwards/argon2id"

	"github.com/driive/keyauth/apikey/internal/argon2"
)

// HashParams are the argon2id parameters for new keys. The zero value of
// each field means its default: Memory 19456 KiB (19 MiB), Iterations 2,
// Parallelism 1 (the OWASP recommendation), SaltLength 16, KeyLength 32.
// Keys hashed with other parameters keep working: the parameters are stored
// with each hash.
type HashParams struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

// Bounds that every stored hash must meet before argon2id runs on it. A row
// outside them is corrupt (or hostile): running it could exhaust memory or
// make argon2 panic.
const (
	minMemory      = 8 * 1024   // 8 MiB
	maxMemory      = 256 * 1024 // 256 MiB
	maxIterations  = 16
	maxParallelism = 16
	minSaltLength  = 8
	maxSaltLength  = 64
	minKeyLength   = 16
	maxKeyLength   = 64
)

func (p HashParams) withDefaults() HashParams {
	if p.Memory == 0 {
		p.Memory = 19 * 1024
	}
	if p.Iterations == 0 {
		p.Iterations = 2
	}
	if p.Parallelism == 0 {
		p.Parallelism = 1
	}
	if p.SaltLength == 0 {
		p.SaltLength = 16
	}
	if p.KeyLength == 0 {
		p.KeyLength = 32
	}
	return p
}

func (p HashParams) validate() error {
	switch {
	case p.Memory < minMemory || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB outside [%d, %d]", p.Memory, minMemory, maxMemory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d outside [1, %d]", p.Iterations, maxIterations)
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d outside [1, %d]", p.Parallelism, maxParallelism)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("salt length %d outside [%d, %d]", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("key length %d outside [%d, %d]", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// hashKey returns the encoded argon2id hash of token, computed in m, in
// the form argon2id.CreateHash writes.
func hashKey(m *argon2.Memory, token string, p HashParams) (string, error) {
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := m.IDKey([]byte(token), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return encodeHash(p, salt, key), nil
}

// encodeHash is the encoded form of an argon2id hash: the PHC string
// format, as argon2id.CreateHash writes it.
func encodeHash(p HashParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkHash validates an encoded hash without running argon2id: it must be
// in the canonical form argon2id.CreateHash writes, with parameters inside
// the bounds above. The error never contains the hash.
func checkHash(encoded string) (HashParams, error) {
	if len(encoded) > 512 {
		return HashParams{}, fmt.Errorf("%w: %d bytes", ErrCorruptHash, len(encoded))
	}
	ap, salt, key, err := argon2id.DecodeHash(encoded)
	if err != nil {
		return HashParams{}, fmt.Errorf("%w: cannot decode", ErrCorruptHash)
	}
	p := HashParams{
		Memory: ap.Memory, Iterations: ap.Iterations, Parallelism: ap.Parallelism,
		SaltLength: uint32(len(salt)), KeyLength: uint32(len(key)), // #nosec G115 -- encoded is at most 512 bytes, so both lengths fit
	}
	if err := p.validate(); err != nil {
		return HashParams{}, fmt.Errorf("%w: %v", ErrCorruptHash, err)
	}
	// DecodeHash reads numbers with Sscanf, which accepts leading zeros,
	// signs and trailing text, and its base64 decoder skips newlines; only
	// the exact text argon2id.CreateHash writes is accepted.
	if encoded != encodeHash(p, salt, key) {
		return HashParams{}, fmt.Errorf("%w: not in canonical form", ErrCorruptHash)
	}
	return p, nil
}

// verifyHash runs argon2id in m: the caller has already passed encoded
// through checkHash. The comparison is constant-time.
func verifyHash(m *argon2.Memory, token, encoded string) (bool, error) {
	ap, salt, key, err := argon2id.DecodeHash(encoded)
	if err != nil {
		return false, fmt.Errorf("%w: cannot decode", ErrCorruptHash)
	}
	other := m.IDKey([]byte(token), salt, ap.Iterations, ap.Memory, ap.Parallelism, ap.KeyLength)
	return subtle.ConstantTimeCompare(key, other) == 1, nil
}
