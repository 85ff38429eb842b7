package apikey

import "testing"

func TestRandomBase62(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	for range 2000 {
		s := randomBase62(32)
		if len(s) != 32 || !allBase62(s) {
			t.Fatalf("randomBase62(32) = %q", s)
		}
		if seen[s] {
			t.Fatalf("randomBase62 repeated %q", s)
		}
		seen[s] = true
		for i := range len(s) {
			counts[s[i]]++
		}
	}
	// 64,000 digits over 62 values: about 1,032 each. A digit that never
	// appears, or appears twice as often, means a broken mapping.
	for i := range len(base62Digits) {
		if n := counts[base62Digits[i]]; n < 700 || n > 1400 {
			t.Errorf("digit %q appeared %d times", base62Digits[i], n)
		}
	}
}

func TestAllBase62(t *testing.T) {
	for s, want := range map[string]bool{
		"":             true,
		base62Digits:   true,
		"AbC-1":        false,
		"abc_":         false,
		"caf\xc3\xa9":  false,
		"ends\x00":     false,
		"0123456789Zz": true,
	} {
		if got := allBase62(s); got != want {
			t.Errorf("allBase62(%q) = %v, want %v", s, got, want)
		}
	}
}
