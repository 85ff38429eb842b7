package apikey

import (
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/driive/keyauth/apikey/internal/argon2"
)

// Hashes written with kept memory are what argon2id.CreateHash writes:
// the package reads them, and keyauth reads its hashes, whatever the
// memory held before.
func TestHashesReadBothWays(t *testing.T) {
	t.Parallel()
	p := HashParams{Memory: minMemory, Iterations: 1}.withDefaults()
	var m argon2.Memory
	const token, other = "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET", "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1zzzzz"

	mine, err := hashKey(&m, token, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkHash(mine); err != nil {
		t.Fatalf("checkHash(own hash) = %v", err)
	}
	for _, c := range []struct {
		token string
		want  bool
	}{{token, true}, {other, false}} {
		if ok, err := argon2id.ComparePasswordAndHash(c.token, mine); err != nil || ok != c.want {
			t.Errorf("argon2id.ComparePasswordAndHash(own hash) = %v, %v; want %v", ok, err, c.want)
		}
	}

	theirs, err := argon2id.CreateHash(token, &argon2id.Params{Memory: p.Memory, Iterations: p.Iterations, Parallelism: p.Parallelism, SaltLength: p.SaltLength, KeyLength: p.KeyLength})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token string
		want  bool
	}{{token, true}, {other, false}, {token, true}} {
		if ok, err := verifyHash(&m, c.token, theirs); err != nil || ok != c.want {
			t.Errorf("verifyHash(argon2id.CreateHash's hash) = %v, %v; want %v", ok, err, c.want)
		}
	}
}

func TestHashMemoryKeepsAtMostOnePerSlot(t *testing.T) {
	t.Parallel()
	h := newHashMemory(2, 64)
	a, b, c := h.get(), h.get(), h.get()
	for _, m := range []*argon2.Memory{a, b, c} {
		m.IDKey([]byte("k"), []byte("saltsalt"), 1, 64, 1, 32)
		h.put(m)
	}
	if len(h.free) != 2 {
		t.Fatalf("kept %d memories, want 2 (one per slot)", len(h.free))
	}
	if got := h.get(); got != a {
		t.Fatal("get did not return the memory kept first")
	}
	big := h.get()
	big.IDKey([]byte("k"), []byte("saltsalt"), 1, 128, 1, 32)
	h.put(big)
	if len(h.free) != 0 {
		t.Fatalf("a memory over the limit was kept (%d kept)", len(h.free))
	}
}
