package apikey_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

func TestChangeFeedReachesOtherInstanceOnSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc   string
		change func(t *testing.T, a *env, k apikey.Key)
		want   error
	}{
		{"revoke", func(t *testing.T, a *env, k apikey.Key) {
			if _, err := a.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
				t.Fatal(err)
			}
		}, apikey.ErrKeyRevoked},
		{"rotate with grace 0", func(t *testing.T, a *env, k apikey.Key) {
			if _, s, err := a.svc.Rotate(t.Context(), apikey.RotateParams{OrgID: "org1", ID: k.ID}); err != nil {
				t.Fatal(err)
			} else {
				watchKey(s.Reveal())
			}
		}, apikey.ErrKeyExpired},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			a := newEnv(t)
			b := a.sibling()
			b.sync()
			k, token := a.key("org1")
			mustAuth(t, b, token)
			tt.change(t, a, k)
			// B trusts its cache while its feed is fresh...
			mustAuth(t, b, token)
			// ...and refuses once it has read the feed.
			b.sync()
			wantAuthErr(t, b, token, tt.want)
			if b.svc.Stats().HashRuns != 1 {
				t.Fatal("B re-ran argon2id instead of applying the change")
			}
		})
	}
}

// realEnv is a pair of Services on one memstore with the real clock, for
// tests of Run's timing.
func realPair(t *testing.T) (a, b *apikey.Service, mem *memstore.Store, logs *logSink) {
	t.Helper()
	mem = memstore.New()
	logs = &logSink{}
	mk := func() *apikey.Service {
		s, err := apikey.NewService(apikey.Config{Store: mem, Hash: fastHash, Logger: newLogger(logs)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return mk(), mk(), mem, logs
}

// TestChangeFeedWithRunWithinOneSecond: with Run and the default
// SyncInterval, a revocation and a rotation made through another instance
// are refused by B after at most two polls of the feed, a second at the
// default interval, without B being told.
func TestChangeFeedWithRunWithinOneSecond(t *testing.T) {
	a, b, _, _ := realPair(t)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	var keys []apikey.Key
	var tokens []string
	for _, name := range []string{"revoked", "rotated"} {
		k, s, err := a.Create(t.Context(), apikey.CreateParams{OrgID: "org1", Name: name, Permission: apikey.Read})
		if err != nil {
			t.Fatal(err)
		}
		watchKey(s.Reveal())
		keys, tokens = append(keys, k), append(tokens, s.Reveal())
	}
	// Wait for B's first Sync, then cache both keys on B.
	for deadline := time.Now().Add(30 * time.Second); b.Stats().Syncs == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not sync")
		}
	}
	for _, tok := range tokens {
		if _, err := b.Authenticate(t.Context(), tok); err != nil {
			t.Fatal(watchErr(err))
		}
	}
	if _, err := a.Revoke(t.Context(), "org1", keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, s, err := a.Rotate(t.Context(), apikey.RotateParams{OrgID: "org1", ID: keys[1].ID}); err != nil {
		t.Fatal(err)
	} else {
		watchKey(s.Reveal())
	}
	// The first poll that starts after the change applies it. Once Run
	// has finished two more polls (the first may have been under way
	// already), one of them started after the change: B must refuse both
	// keys then. With the default SyncInterval of 500 ms, two polls take
	// a second; the test waits for the polls, not for a second, so a
	// loaded machine makes it slower, never wrong.
	changed, synced := time.Now(), b.Stats().Syncs
	for deadline := time.Now().Add(30 * time.Second); b.Stats().Syncs < synced+2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Run polled the feed %d times in the 30s after the change, want 2", b.Stats().Syncs-synced)
		}
	}
	for i, want := range []error{apikey.ErrKeyRevoked, apikey.ErrKeyExpired} {
		if _, err := b.Authenticate(t.Context(), tokens[i]); !errors.Is(watchErr(err), want) {
			t.Fatalf("B after two polls of the feed that followed the change to the %s key: %v, want %v", keys[i].Name, err, want)
		}
	}
	t.Logf("two polls %v after the change", time.Since(changed).Round(time.Millisecond))
	if st := b.Stats(); st.HashRuns != 2 {
		t.Fatalf("B HashRuns = %d, want 2", st.HashRuns)
	}
}

func TestMaxStalenessPolicy(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t, func(c *apikey.Config) { c.MaxStaleness = 10 * time.Second })
	_, token := e.key("org1")
	e.sync() // last good Sync at t0
	mustAuth(t, e, token)

	fs.set(func(f *faultStore) { f.failGet, f.failChanges = true, true })
	e.clock.Advance(5 * time.Second)
	if err := watchErr(e.svc.Sync(t.Context())); !errors.Is(err, apikey.ErrUnavailable) {
		t.Fatalf("Sync with the store down = %v", err)
	}
	mustAuth(t, e, token) // within MaxStaleness: the cache is honoured
	e.clock.Set(t0.Add(10 * time.Second))
	mustAuth(t, e, token) // at exactly MaxStaleness, still honoured
	e.clock.Set(t0.Add(10*time.Second + time.Nanosecond))
	for range 3 {
		_, err := e.auth(token)
		checkOneOutcome(t, err, apikey.ErrUnavailable)
	}
	// One read failed; the other two requests were refused without one.
	if st := e.svc.Stats(); st.Refreshes != 1 || st.Throttled != 2 {
		t.Fatalf("during the outage: Refreshes %d (want 1), Throttled %d (want 2)", st.Refreshes, st.Throttled)
	}
	// The store is back: a second after the failed read, the key works
	// again through a direct read, then through the cache once the feed is
	// fresh.
	fs.set(func(f *faultStore) { f.failGet, f.failChanges = false, false })
	e.clock.Advance(time.Second)
	mustAuth(t, e, token)
	e.sync()
	gets := fs.getCount()
	mustAuth(t, e, token)
	if fs.getCount() != gets {
		t.Fatal("a fresh feed did not spare the store read")
	}
	if st := e.svc.Stats(); st.HashRuns != 1 || st.Refreshes != 2 || st.SyncFailures != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestChangeFeedCursorExpiredForgetsCache(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	_, token := e.key("org1")
	e.sync()
	mustAuth(t, e, token)
	cs := &expiringFeed{faultStore: fs}
	other := e.sibling(withStore(cs))
	other.sync()
	mustAuth(t, other, token)
	cs.expire.Store(true)
	other.sync() // cursor expired: cache forgotten, feed restarted
	if st := other.svc.Stats(); st.CachedKeys != 0 {
		t.Fatalf("CachedKeys = %d after an expired cursor", st.CachedKeys)
	}
	mustAuth(t, other, token)
	if st := other.svc.Stats(); st.HashRuns != 2 {
		t.Fatalf("HashRuns = %d, want 2", st.HashRuns)
	}
}

// expiringFeed answers the next Changes with a cursor with ErrCursorExpired.
type expiringFeed struct {
	*faultStore
	expire atomic.Bool
}

func (f *expiringFeed) Changes(ctx context.Context, cursor string) ([]apikey.Change, string, error) {
	if cursor != "" && f.expire.CompareAndSwap(true, false) {
		return nil, "", apikey.ErrCursorExpired
	}
	return f.faultStore.Changes(ctx, cursor)
}

// A poll that hangs delays neither the next poll nor the last-used flush
// by more than about two SyncIntervals: each poll has a deadline of two
// intervals, and flushes run on their own. Once the store answers again, the
// first good poll makes cached keys trusted at once.
func TestHungPollDelaysNeitherPollNorFlush(t *testing.T) {
	const interval = 20 * time.Millisecond
	e, fs := newFaultEnv(t, func(c *apikey.Config) {
		c.Now = nil
		c.SyncInterval = interval
		c.FlushInterval = interval
		c.MaxStaleness = time.Hour // keep the cache trusted throughout
	})
	_, token := e.key("org1")
	var mu sync.Mutex
	var budgets []time.Duration // each poll's deadline, from its start
	fs.set(func(f *faultStore) {
		f.hangChanges = true
		f.onChanges = func(ctx context.Context) {
			d, ok := ctx.Deadline()
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				budgets = append(budgets, time.Hour)
				return
			}
			budgets = append(budgets, time.Until(d))
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { e.svc.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	polls := func() int { mu.Lock(); defer mu.Unlock(); return len(budgets) }
	for deadline := time.Now().Add(10 * time.Second); polls() < 5; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls started in 10 s while they hang", polls())
		}
	}
	mu.Lock()
	for i, b := range budgets {
		if b > 2*interval {
			t.Errorf("poll %d had %v to run, want at most two SyncIntervals (%v)", i, b, 2*interval)
		}
	}
	mu.Unlock()
	fs.set(func(f *faultStore) { f.hangChanges = false })
	for deadline := time.Now().Add(10 * time.Second); e.svc.Stats().Syncs == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no good poll after the store came back")
		}
	}
	// The polls hang again; a use is still written by the next flush.
	fs.set(func(f *faultStore) { f.hangChanges = true })
	mustAuth(t, e, token)
	for deadline := time.Now().Add(10 * time.Second); len(fs.batches()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no last-used flush while polls hang")
		}
	}
	gets := fs.getCount()
	mustAuth(t, e, token)
	if fs.getCount() != gets {
		t.Fatal("a cached key read the store although the feed was fresh")
	}
}
