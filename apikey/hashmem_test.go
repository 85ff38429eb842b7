package apikey_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// A Service keeps one argon2id working memory per slot, of the size of
// its own parameters, and no more: runs one after another share one; runs
// at once use at most one each; a row hashed with more memory verifies
// without being kept.
func TestHashMemoryIsKeptPerSlot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, func(c *apikey.Config) { c.MaxConcurrentHashes = 2 })
	var tokens []string
	for range 6 {
		_, tok := e.key("acme")
		tokens = append(tokens, tok)
	}
	if n, kib := apikey.KeptHashMemory(e.svc); n != 1 || kib != int(fastHash.Memory) {
		t.Fatalf("after 6 keys created one after another: %d memories kept, %d KiB; want 1, %d KiB", n, kib, fastHash.Memory)
	}

	// A row hashed with twice the memory, by a Service configured so.
	big := e.sibling(func(c *apikey.Config) { c.Hash.Memory = 2 * fastHash.Memory })
	_, bigToken := big.key("acme")

	// A second Service verifies them all, as many at once as it has slots.
	o := e.sibling(func(c *apikey.Config) { c.MaxConcurrentHashes = 2 })
	var wg sync.WaitGroup
	errs := make(chan error, len(tokens))
	for _, tok := range tokens {
		wg.Go(func() {
			if _, err := o.svc.Authenticate(ctx, tok); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Authenticate: %v", err)
	}
	n, kib := apikey.KeptHashMemory(o.svc)
	if n < 1 || n > 2 || kib != n*int(fastHash.Memory) {
		t.Fatalf("after 6 concurrent verifications on 2 slots: %d memories kept, %d KiB; want 1 or 2 of %d KiB", n, kib, fastHash.Memory)
	}
	mustAuth(t, o, bigToken)
	if n2, kib2 := apikey.KeptHashMemory(o.svc); kib2 > n2*int(fastHash.Memory) {
		t.Fatalf("after a row hashed with %d KiB: %d memories kept, %d KiB; want none over %d KiB", 2*fastHash.Memory, n2, kib2, fastHash.Memory)
	}
	if st := o.svc.Stats(); st.HashRuns != uint64(len(tokens)+1) {
		t.Fatalf("HashRuns = %d, want %d", st.HashRuns, len(tokens)+1)
	}
	// A wrong secret that passes the check tag is refused by argon2id run
	// on kept memory: untag makes the row tagless, so the tag cannot
	// refuse it first.
	k, tok := e.key("globex")
	untag(t, e, k.ID)
	runs := o.svc.Stats().HashRuns
	wantAuthErr(t, o, forged(tok), apikey.ErrInvalidKey)
	if got := o.svc.Stats().HashRuns; got != runs+1 {
		t.Fatalf("HashRuns = %d after a forged key for a tagless row, want %d", got, runs+1)
	}
	mustAuth(t, o, tok)
}

// Run's trim drops the kept memory a minute after its last use, at the
// Service's clock, and the next run keeps its own again.
func TestHashMemoryIsDroppedWhenIdle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.key("acme")
	o := e.sibling()
	mustAuth(t, o, tok)
	if n, _ := apikey.KeptHashMemory(o.svc); n != 1 {
		t.Fatalf("after one verification: %d memories kept, want 1", n)
	}
	e.clock.Advance(59 * time.Second)
	apikey.TrimHashMemory(o.svc)
	if n, _ := apikey.KeptHashMemory(o.svc); n != 1 {
		t.Fatalf("59 s after its last use: %d memories kept, want 1", n)
	}
	e.clock.Advance(2 * time.Second)
	apikey.TrimHashMemory(o.svc)
	if n, kib := apikey.KeptHashMemory(o.svc); n != 0 || kib != 0 {
		t.Fatalf("61 s after its last use: %d memories kept (%d KiB), want none", n, kib)
	}
	_, tok2 := e.key("acme")
	mustAuth(t, o, tok2)
	if n, kib := apikey.KeptHashMemory(o.svc); n != 1 || kib != int(fastHash.Memory) {
		t.Fatalf("after the next verification: %d memories kept (%d KiB), want 1 of %d KiB", n, kib, fastHash.Memory)
	}
}
