package secretscan

import (
	"github.com/driive/keyauth/apikey"
)

// Pattern matches key-shaped text of any prefix, unanchored, so that it
// finds keys inside longer text. It is the pattern a secret scanner
// should use for keyauth keys (anchored and with the deployment's prefix,
// it is apikey.PatternFor), and the one the middleware redacts with:
// [apikey.TextPattern].
var Pattern = apikey.TextPattern

// maxKeyLen is the longest text Pattern matches: an 8-character prefix,
// two underscores, the id and secret+checksum.
const maxKeyLen = 8 + 1 + 12 + 1 + 38

// Finding is one key-shaped text.
type Finding struct {
	// Where names the output it was found in (a Recorder's name).
	Where string
	// Offset is where the text starts, in bytes from the start of that
	// output.
	Offset int64
	// Prefix is the key's public display prefix, "dk_<id>".
	Prefix string
	// Valid reports whether the checksum holds: a real key, not a
	// lookalike.
	Valid bool
}

// Scan returns the key-shaped texts of b.
func Scan(b []byte) []Finding {
	var out []Finding
	for _, loc := range Pattern.FindAllIndex(b, -1) {
		out = append(out, finding(b[loc[0]:loc[1]], int64(loc[0])))
	}
	return out
}

// ScanString is Scan of a string.
func ScanString(s string) []Finding { return Scan([]byte(s)) }

func finding(key []byte, off int64) Finding {
	n := len(key)
	body, sum := string(key[:n-apikey.ChecksumLen]), string(key[n-apikey.ChecksumLen:])
	return Finding{
		Offset: off,
		Prefix: string(key[:n-1-38]),
		Valid:  apikey.Checksum(body) == sum,
	}
}
