package apikey

import (
	"testing"
	"time"

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
	for i, m := range []*argon2.Memory{a, b, c} {
		m.IDKey([]byte("k"), []byte("saltsalt"), 1, 64, 1, 32)
		h.put(m, int64(i))
	}
	if len(h.free) != 2 {
		t.Fatalf("kept %d memories, want 2 (one per slot)", len(h.free))
	}
	if got := h.get(); got != b {
		t.Fatal("get did not return the memory kept last")
	}
	big := h.get()
	big.IDKey([]byte("k"), []byte("saltsalt"), 1, 128, 1, 32)
	h.put(big, 3)
	if len(h.free) != 0 {
		t.Fatalf("a memory over the limit was kept (%d kept)", len(h.free))
	}
}

// Memory unused for hashMemoryIdle is dropped, the least recently used
// first; memory used since is kept.
func TestHashMemoryTrimsIdleMemory(t *testing.T) {
	t.Parallel()
	h := newHashMemory(3, 64)
	ms := []*argon2.Memory{h.get(), h.get(), h.get()}
	for i, m := range ms {
		m.IDKey([]byte("k"), []byte("saltsalt"), 1, 64, 1, 32)
		h.put(m, int64(i)*int64(time.Second)) // returned at 0 s, 1 s, 2 s
	}
	h.trim(hashMemoryIdle) // the one returned at 0 s is a minute old, not more
	if len(h.free) != 3 {
		t.Fatalf("after a minute: %d kept, want 3", len(h.free))
	}
	h.trim(hashMemoryIdle + int64(1500*time.Millisecond))
	if len(h.free) != 1 || h.free[0].m != ms[2] {
		t.Fatalf("a minute and 1.5 s on: %d kept, want only the one returned last", len(h.free))
	}
	h.trim(hashMemoryIdle + int64(3*time.Second))
	if len(h.free) != 0 {
		t.Fatalf("%d kept after all went idle, want 0", len(h.free))
	}
	if m := h.get(); m == nil || m.Size() != 0 {
		t.Fatal("get after a trim did not return new memory")
	}
}
