package keyformat

import (
	"hash/crc32"
	"strings"
	"testing"
)

func TestCRC32MatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "a", "dk_abcdefghijkl_0123456789", strings.Repeat("xyz", 100)} {
		if got, want := CRC32(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("CRC32(%q) = %08x, want %08x", s, got, want)
		}
	}
}

func TestChecksumDigits(t *testing.T) {
	tests := []struct {
		desc string
		in   string
	}{
		{"empty", ""},
		{"key body", "dk_AbCdEfGhIjKl_0123456789abcdefghijklmnopqrstuv"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			sum := Checksum(tt.in)
			var v uint64
			for _, c := range sum {
				i := strings.IndexByte(Alphabet, c)
				if i < 0 {
					t.Fatalf("digit %q not base62", c)
				}
				v = v*62 + uint64(i)
			}
			if uint32(v) != crc32.ChecksumIEEE([]byte(tt.in)) || v>>32 != 0 {
				t.Fatalf("checksum %s decodes to %d, want %d", sum[:], v, crc32.ChecksumIEEE([]byte(tt.in)))
			}
			if !ValidChecksum(tt.in, string(sum[:])) {
				t.Fatal("ValidChecksum rejects its own checksum")
			}
			if ValidChecksum(tt.in+"x", string(sum[:])) {
				t.Fatal("ValidChecksum accepts a changed text")
			}
		})
	}
}

func TestRandom(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	for range 2000 {
		s := Random(32)
		if len(s) != 32 || !AllBase62(s) {
			t.Fatalf("Random(32) = %q", s)
		}
		if seen[s] {
			t.Fatalf("Random repeated %q", s)
		}
		seen[s] = true
		for i := range len(s) {
			counts[s[i]]++
		}
	}
	// 64,000 digits over 62 values: about 1,032 each. A digit that never
	// appears, or appears twice as often, means a broken mapping.
	for i := range len(Alphabet) {
		if n := counts[Alphabet[i]]; n < 700 || n > 1400 {
			t.Errorf("digit %q appeared %d times", Alphabet[i], n)
		}
	}
}

func FuzzChecksum(f *testing.F) {
	f.Add("dk_AbCdEfGhIjKl_0123456789abcdefghijklmnopqrstuv", "000000")
	f.Fuzz(func(t *testing.T, s, sum string) {
		want := Checksum(s)
		if ValidChecksum(s, sum) != (sum == string(want[:])) {
			t.Fatalf("ValidChecksum(%q, %q) disagrees with Checksum", s, sum)
		}
		if CRC32(s) != crc32.ChecksumIEEE([]byte(s)) {
			t.Fatal("CRC32 differs from hash/crc32")
		}
	})
}
