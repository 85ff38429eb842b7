package apikey

import (
	"fmt"
	"regexp"
	"strings"
)

// Key text layout: <prefix>_<id>_<secret><checksum>.
const (
	// DefaultPrefix is the prefix of keys when Config.Prefix is empty.
	DefaultPrefix = "dk"
	// IDLen is the length of a key's public id.
	IDLen = 12
	// SecretLen is the length of a key's random secret (190 bits).
	SecretLen = 32
	// ChecksumLen is the length of the checksum after the secret.
	ChecksumLen = 6 // 62^6 > 2^32: room for a CRC-32
	// maxPrefixLen bounds the configurable prefix.
	maxPrefixLen = 8
)

// Pattern matches every key with the default prefix and nothing shorter or
// longer; secret scanners can use it, then confirm a match offline with
// [Parse] (which also checks the checksum).
var Pattern = regexp.MustCompile(`^dk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$`)

// ValidatePrefix checks a deployment's key prefix: [a-z][a-z0-9]{0,7}.
func ValidatePrefix(prefix string) error {
	if len(prefix) == 0 || len(prefix) > maxPrefixLen || prefix[0] < 'a' || prefix[0] > 'z' {
		return argErr("prefix", "key prefix must match [a-z][a-z0-9]{0,7}")
	}
	for i := 1; i < len(prefix); i++ {
		if c := prefix[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return argErr("prefix", "key prefix must match [a-z][a-z0-9]{0,7}")
		}
	}
	return nil
}

// PatternFor returns the pattern of keys with the given prefix.
func PatternFor(prefix string) (*regexp.Regexp, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	return regexp.MustCompile(fmt.Sprintf(`^%s_[0-9A-Za-z]{%d}_[0-9A-Za-z]{%d}$`,
		prefix, IDLen, SecretLen+ChecksumLen)), nil
}

// Parse checks that token is a well-formed key with the default prefix and
// a valid checksum, and returns its id. It does no I/O and does not
// allocate.
func Parse(token string) (id string, err error) {
	return parseWithPrefix(token, DefaultPrefix)
}

// ParseWithPrefix is [Parse] for keys with another prefix.
func ParseWithPrefix(token, prefix string) (id string, err error) {
	if err := ValidatePrefix(prefix); err != nil {
		return "", err
	}
	return parseWithPrefix(token, prefix)
}

func parseWithPrefix(token, prefix string) (string, error) {
	p := len(prefix)
	if len(token) != p+1+IDLen+1+SecretLen+ChecksumLen ||
		token[:p] != prefix || token[p] != '_' || token[p+1+IDLen] != '_' {
		return "", ErrInvalidKey
	}
	id := token[p+1 : p+1+IDLen]
	body := token[:len(token)-ChecksumLen]
	if !allBase62(id) || !allBase62(token[p+2+IDLen:]) ||
		!validChecksum(body, token[len(body):]) {
		return "", ErrInvalidKey
	}
	return id, nil
}

// mint returns a new random key text and its id.
func mint(prefix string) (token, id string) {
	id = randomBase62(IDLen)
	body := prefix + "_" + id + "_" + randomBase62(SecretLen)
	sum := checksum(body)
	return body + string(sum[:]), id
}

// displayPrefix is the public part shown in listings: "dk_<id>".
func displayPrefix(prefix, id string) string { return prefix + "_" + id }

// validID reports whether s has the shape of a key id.
func validID(s string) bool { return len(s) == IDLen && allBase62(s) }

// idFromRef accepts a key id or its display prefix ("dk_<id>").
func idFromRef(prefix, ref string) (string, error) {
	ref = strings.TrimSuffix(ref, "...")
	if rest, ok := strings.CutPrefix(ref, prefix+"_"); ok {
		ref = rest
	}
	if !validID(ref) {
		// The value is not echoed: it may be a whole key pasted by mistake.
		return "", argErr("id", "not a key id or prefix")
	}
	return ref, nil
}
