package apikey

import (
	"strings"
	"testing"
)

// TestTextPatternIsPatternUnanchored: TextPattern is Pattern without its
// anchors and with any prefix, so the two never disagree on the lengths.
func TestTextPatternIsPatternUnanchored(t *testing.T) {
	want := strings.TrimSuffix(strings.TrimPrefix(Pattern.String(), "^dk"), "$")
	if got := TextPattern.String(); got != `[a-z][a-z0-9]{0,7}`+want {
		t.Fatalf("TextPattern = %s, want [a-z][a-z0-9]{0,7}%s", got, want)
	}
	key, _ := mint(DefaultPrefix)
	if !TextPattern.MatchString("x " + key + " y") {
		t.Fatalf("TextPattern does not find a minted key")
	}
}

func TestRedact(t *testing.T) {
	key := "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxyzzzzzz"
	other := "acme9_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxyzzzzzz"
	for in, want := range map[string]string{
		"":                               "",
		"no key here dk_short":           "no key here dk_short",
		"path=/x/" + key + " status=401": "path=/x/[REDACTED] status=401",
		key + "," + other:                "[REDACTED],[REDACTED]",
		"Bearer " + key[:len(key)-1]:     "Bearer " + key[:len(key)-1], // one short: not key-shaped
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
