package apikey_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func storedLastUsed(t *testing.T, e *env, id string) time.Time {
	t.Helper()
	r, err := e.mem.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.LastUsedAt
}

func TestLastUsedIsBatchedAndRetried(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	k1, tok1 := e.key("org1")
	k2, tok2 := e.key("org2")
	e.sync()
	mustAuth(t, e, tok1)
	e.clock.Advance(time.Second)
	mustAuth(t, e, tok2)
	wantAuthErr(t, e, keytest.WrongSecret(tok1), apikey.ErrInvalidKey)
	if got := len(fs.batches()); got != 0 {
		t.Fatalf("%d RecordUse calls before Flush: the request path wrote", got)
	}

	// A failed write fails no request and is retried.
	fs.set(func(f *faultStore) { f.failUse = true })
	if err := watchErr(e.svc.Flush(t.Context())); !errors.Is(err, apikey.ErrUnavailable) {
		t.Fatalf("Flush with the store down = %v", err)
	}
	e.clock.Advance(time.Second)
	mustAuth(t, e, tok1) // t0+2s
	fs.set(func(f *faultStore) { f.failUse = false })
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := fs.batches()
	if len(b) != 2 || len(b[1]) != 2 {
		t.Fatalf("RecordUse batches %v, want a failed one then one of 2 uses", b)
	}
	if got := storedLastUsed(t, e, k1.ID); !got.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("key 1 last used %v, want %v", got, t0.Add(2*time.Second))
	}
	if got := storedLastUsed(t, e, k2.ID); !got.Equal(t0.Add(time.Second)) {
		t.Fatalf("key 2 last used %v, want %v", got, t0.Add(time.Second))
	}
	// Nothing new: no write at all.
	if err := e.svc.Flush(t.Context()); err != nil || len(fs.batches()) != 2 {
		t.Fatalf("an empty Flush wrote: %v, %d batches", err, len(fs.batches()))
	}
	if st := e.svc.Stats(); st.Flushes != 1 || st.FlushFailures != 1 || st.LastUseWritten != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLastUsedOnlyMovesForward(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	e.clock.Set(t0.Add(time.Hour))
	e.sync()
	mustAuth(t, e, token)
	e.clock.Set(t0.Add(time.Minute)) // the clock steps back
	mustAuth(t, e, token)
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("last used %v, want %v", got, t0.Add(time.Hour))
	}
	// Another instance wrote a later time: an older one does not undo it.
	other := e.sibling()
	e.clock.Set(t0.Add(2 * time.Hour))
	other.sync()
	mustAuth(t, other, token)
	if err := other.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(90 * time.Minute))
	mustAuth(t, e, token)
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("last used %v, want %v", got, t0.Add(2*time.Hour))
	}
}

func TestLastUsedSurvivesEviction(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t, func(c *apikey.Config) { c.CacheSize = 2 })
	e.sync()
	var keys []apikey.Key
	for i := range 5 {
		k, token := e.key("org1")
		keys = append(keys, k)
		e.clock.Set(t0.Add(time.Duration(i+1) * time.Second))
		mustAuth(t, e, token)
	}
	if st := e.svc.Stats(); st.CachedKeys > 2 {
		t.Fatalf("CachedKeys = %d over CacheSize 2", st.CachedKeys)
	}
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b := fs.batches(); len(b) != 1 || len(b[0]) != 5 {
		t.Fatalf("RecordUse batches %v, want one of 5", b)
	}
	for i, k := range keys {
		if got, want := storedLastUsed(t, e, k.ID), t0.Add(time.Duration(i+1)*time.Second); !got.Equal(want) {
			t.Fatalf("key %d last used %v, want %v", i, got, want)
		}
	}
	// Written once: the next Flush has nothing to do.
	if err := e.svc.Flush(t.Context()); err != nil || len(fs.batches()) != 1 {
		t.Fatalf("second Flush: %v, %d batches", err, len(fs.batches()))
	}
}

func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	e.clock.Advance(time.Minute)
	mustAuth(t, e, token)
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last used after Close %v, want %v", got, t0.Add(time.Minute))
	}
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// After Close, Authenticate refuses as unavailable; the rest works.
	_, err := e.auth(token)
	checkOneOutcome(t, err, apikey.ErrUnavailable)
	if !errors.Is(err, apikey.ErrClosed) {
		t.Fatalf("Authenticate after Close = %v, want ErrClosed", err)
	}
	page, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{})
	if err != nil || len(page.Keys) != 1 || !page.Keys[0].LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("List shows %+v, %v", page.Keys, err)
	}
}

// Close loses nothing: every success Authenticate returned, before or
// while Close ran, has its use written when Close returns; a request that
// races with Close and is not written is refused with ErrClosed instead.
func TestCloseLosesNoSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keys []apikey.Key
	var tokens []string
	for range 16 {
		k, tok := e.key("org1")
		keys, tokens = append(keys, k), append(tokens, tok)
		mustAuth(t, e, tok) // cached, used at t0
	}
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Minute)
	e.clock.Set(t1) // every use from here on is at t1
	succeeded := make([]bool, len(tokens))
	var wg sync.WaitGroup
	start := make(chan struct{})
	var closeReturned atomic.Bool
	for i, tok := range tokens {
		wg.Go(func() {
			<-start
			for !closeReturned.Load() {
				_, err := e.auth(tok)
				if err != nil {
					if !errors.Is(err, apikey.ErrClosed) {
						t.Errorf("key %d: %v, want success or ErrClosed", i, err)
					}
					return
				}
				succeeded[i] = true
			}
		})
	}
	close(start)
	err := e.svc.Close(t.Context())
	closeReturned.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, k := range keys {
		if !succeeded[i] {
			continue
		}
		n++
		if got := storedLastUsed(t, e, k.ID); !got.Equal(t1) {
			t.Errorf("key %d succeeded at %v but its stored last use is %v", i, t1, got)
		}
	}
	t.Logf("%d of %d keys succeeded during Close", n, len(keys))
}
