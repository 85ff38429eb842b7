package apikey

import "testing"

func TestSameDigest(t *testing.T) {
	a := digestOf("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET")
	b := a
	if !sameDigest(&a, &b) {
		t.Fatal("equal digests differ")
	}
	for i := range len(a) {
		for _, bit := range []byte{1, 0x80} {
			c := a
			c[i] ^= bit
			if sameDigest(&a, &c) {
				t.Fatalf("digests differing in byte %d (bit %#x) compare equal", i, bit)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = digestOf("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET") }); n != 0 {
		t.Fatalf("digestOf allocates %v times", n)
	}
}
