package apikey

import (
	"hash/crc32"
	"strings"
	"testing"
)

func TestCRC32MatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "a", "dk_abcdefghijkl_0123456789", strings.Repeat("xyz", 100)} {
		if got, want := crc32String(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("crc32String(%q) = %08x, want %08x", s, got, want)
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
			if len(sum) != ChecksumLen {
				t.Fatalf("Checksum(%q) = %q, want %d digits", tt.in, sum, ChecksumLen)
			}
			var v uint64
			for i := range len(sum) {
				d := strings.IndexByte(base62Digits, sum[i])
				if d < 0 {
					t.Fatalf("digit %q not base62", sum[i])
				}
				v = v*62 + uint64(d)
			}
			if uint32(v) != crc32.ChecksumIEEE([]byte(tt.in)) || v>>32 != 0 {
				t.Fatalf("checksum %s decodes to %d, want %d", sum, v, crc32.ChecksumIEEE([]byte(tt.in)))
			}
			if !validChecksum(tt.in, sum) {
				t.Fatal("validChecksum rejects its own checksum")
			}
			if validChecksum(tt.in+"x", sum) {
				t.Fatal("validChecksum accepts a changed text")
			}
		})
	}
}

func TestValidChecksumDoesNotAllocate(t *testing.T) {
	body := "dk_AbCdEfGhIjKl_0123456789abcdefghijklmnopqrstuv"
	sum := Checksum(body)
	if n := testing.AllocsPerRun(100, func() { validChecksum(body, sum) }); n != 0 {
		t.Fatalf("validChecksum allocates %v times", n)
	}
}

func FuzzChecksum(f *testing.F) {
	f.Add("dk_AbCdEfGhIjKl_0123456789abcdefghijklmnopqrstuv", "000000")
	f.Fuzz(func(t *testing.T, s, sum string) {
		want := Checksum(s)
		if validChecksum(s, sum) != (sum == want) {
			t.Fatalf("validChecksum(%q, %q) disagrees with Checksum", s, sum)
		}
		if crc32String(s) != crc32.ChecksumIEEE([]byte(s)) {
			t.Fatal("crc32String differs from hash/crc32")
		}
	})
}
