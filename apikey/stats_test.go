package apikey_test

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// TestPendingUses: Stats.PendingUses is what the next Flush writes:
// cached keys used since their last write, and evicted keys' uses, once
// each; a failed flush keeps them.
func TestPendingUses(t *testing.T) {
	e, fs := newFaultEnv(t, func(c *apikey.Config) { c.CacheSize = 1 })
	e.sync()
	_, a := e.key("org1")
	_, b := e.key("org1")
	pending := func(step string, want int) {
		t.Helper()
		if got := e.svc.Stats().PendingUses; got != want {
			t.Fatalf("%s: PendingUses %d, want %d", step, got, want)
		}
	}
	flush := func() int {
		t.Helper()
		before := len(fs.batches())
		if err := e.svc.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if bs := fs.batches(); len(bs) > before {
			return len(bs[len(bs)-1])
		}
		return 0
	}
	pending("nothing used", 0)
	mustAuth(t, e, a)
	pending("a used", 1)
	mustAuth(t, e, a)
	pending("a used twice", 1)
	if n := flush(); n != 1 {
		t.Fatalf("flush wrote %d", n)
	}
	pending("flushed", 0)
	e.clock.Advance(time.Second)
	mustAuth(t, e, a)
	mustAuth(t, e, b) // evicts a, whose use is kept
	pending("a evicted, b cached", 2)
	e.clock.Advance(time.Second)
	mustAuth(t, e, a) // evicts b; a's new use covers its kept one
	pending("b evicted, a cached again", 2)
	fs.set(func(f *faultStore) { f.failUse = true })
	if err := watchErr(e.svc.Flush(t.Context())); err == nil {
		t.Fatal("Flush with the store down: no error")
	}
	pending("failed flush", 2)
	fs.set(func(f *faultStore) { f.failUse = false })
	if n := flush(); n != 2 {
		t.Fatalf("flush wrote %d, want 2", n)
	}
	pending("flushed again", 0)
}

// TestHashWaits: a run that finds every slot taken waits and is counted,
// whether it gets a slot or not; one that finds a slot free is not.
func TestHashWaits(t *testing.T) {
	e := newEnv(t, func(c *apikey.Config) { c.MaxConcurrentHashes = 1; c.HashWait = time.Millisecond })
	k, token := e.key("org1")
	untag(t, e, k.ID) // the request's own run, which waits at most HashWait
	release, err := apikey.HoldHashSlot(t.Context(), e.svc)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantAuthErr(t, e, token, apikey.ErrUnavailable)
	}
	if st := e.svc.Stats(); st.HashWaits != 2 || st.HashTimeouts != 2 || st.HashRuns != 0 {
		t.Fatalf("slot taken: HashWaits %d, HashTimeouts %d, HashRuns %d; want 2, 2, 0", st.HashWaits, st.HashTimeouts, st.HashRuns)
	}
	release()
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.HashWaits != 2 || st.HashRuns != 1 {
		t.Fatalf("slot free: HashWaits %d, HashRuns %d; want 2, 1", st.HashWaits, st.HashRuns)
	}
}
