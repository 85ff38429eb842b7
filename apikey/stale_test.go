package apikey_test

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Past MaxStaleness a slow or failing store gets at most one read per
// cached key per second, whatever the request rate; and once a poll of the
// change feed succeeds, cached keys are served without the store again.
func TestStaleFeedReadsEachKeyAtMostOncePerSecond(t *testing.T) {
	t.Parallel()
	for _, down := range []bool{false, true} {
		name := map[bool]string{false: "store answers", true: "store fails"}[down]
		t.Run(name, func(t *testing.T) {
			e, fs := newFaultEnv(t, func(c *apikey.Config) { c.MaxStaleness = 2 * time.Second })
			var tokens []string
			for range 3 {
				_, tok := e.key("org1")
				tokens = append(tokens, tok)
			}
			e.sync()
			for _, tok := range tokens {
				mustAuth(t, e, tok)
			}
			fs.set(func(f *faultStore) { f.failChanges, f.failGet = true, down })
			e.clock.Advance(3 * time.Second) // the feed is now stale
			before := fs.getCount()
			// 3,000 requests per key over 3 seconds of the clock.
			for range 3000 {
				e.clock.Advance(time.Millisecond)
				for _, tok := range tokens {
					_, err := e.auth(tok)
					if down {
						checkOneOutcome(t, err, apikey.ErrUnavailable)
					} else if err != nil {
						t.Fatalf("stale feed, store answering: %v", err)
					}
				}
			}
			reads := fs.getCount() - before
			if reads < 3*3 || reads > 3*4 {
				t.Fatalf("9,000 requests over 3 s for 3 keys: %d store reads, want 9-12 (one per key per second)", reads)
			}
			st := e.svc.Stats()
			if st.Refreshes != uint64(reads) {
				t.Fatalf("Refreshes %d, store reads %d", st.Refreshes, reads)
			}
			// The first good poll makes the cache trusted again at once.
			fs.set(func(f *faultStore) { f.failChanges, f.failGet = false, false })
			e.sync()
			before = fs.getCount()
			for _, tok := range tokens {
				mustAuth(t, e, tok)
			}
			if fs.getCount() != before {
				t.Fatal("after a good poll the cached keys still read the store")
			}
		})
	}
}
