package apikey_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// Concurrent misses for one id, whatever their texts (the right key and
// wrong ones), share one store read: the collapse is by id, not by text.
func TestConcurrentMissesForOneIDShareOneRead(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	_, token := e.key("org1")
	release := make(chan struct{})
	fs.set(func(f *faultStore) { f.afterGet = func(apikey.Record) { <-release } })
	var wg sync.WaitGroup
	results := make(chan error, 60)
	for i := range 60 {
		tok := token
		if i%3 != 0 {
			tok = forged(token)
		}
		wg.Go(func() {
			_, err := e.auth(tok)
			if tok == token {
				results <- err
			} else if !errors.Is(err, apikey.ErrInvalidKey) {
				results <- fmt.Errorf("forged key: %w", err)
			}
		})
	}
	time.AfterFunc(20*time.Millisecond, func() { close(release) })
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Requests that came after the read ended used the kept read: one read
	// in all, however the goroutines were scheduled.
	if got := fs.getCount(); got != 1 {
		t.Fatalf("60 concurrent misses for one id made %d store reads, want 1", got)
	}
	if st := e.svc.Stats(); st.HashRuns != 1 || st.StoreReads != 1 {
		t.Fatalf("HashRuns %d, StoreReads %d; want 1 and 1", st.HashRuns, st.StoreReads)
	}
}

// A flood of wrong secrets against one id costs at most one store read per
// second, and none of them an argon2id run.
func TestFloodCostsOneReadPerIDPerSecond(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	_, token := e.key("org1")
	// 5 seconds of the clock, 1,000 forged keys 5 ms apart.
	forgeConcurrently(t, e, token, 1000, 4, 5*time.Millisecond)
	if got := fs.getCount(); got < 5 || got > 6 {
		t.Fatalf("5 seconds of forged keys made %d store reads, want 5 or 6 (one per second)", got)
	}
	// The rest were answered from the kept read, or shared a read in
	// flight.
	if st := e.svc.Stats(); st.HashRuns != 0 || st.StoreReads != uint64(fs.getCount()) || st.KeptReads > 1000-st.StoreReads {
		t.Fatalf("HashRuns %d (want 0), StoreReads %d, KeptReads %d", st.HashRuns, st.StoreReads, st.KeptReads)
	}
}

// An unknown id is read once and its absence kept for a second: repeated
// requests for it cost nothing more; random unknown ids cost one indexed
// read each, the residual cost SECURITY.md states.
func TestUnknownIDsAreKept(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	unknown := keytest.Forge(apikey.DefaultPrefix, "ZZZZZZZZZZZZ")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				e.auth(forged(unknown))
			}
		})
	}
	wg.Wait()
	if got := fs.getCount(); got != 1 {
		t.Fatalf("400 requests for one unknown id made %d store reads, want 1", got)
	}
	e.clock.Advance(time.Second)
	wantAuthErr(t, e, unknown, apikey.ErrInvalidKey)
	if got := fs.getCount(); got != 2 {
		t.Fatalf("a second later: %d store reads, want 2", got)
	}
	for i := range 100 {
		wantAuthErr(t, e, keytest.Forge(apikey.DefaultPrefix, fmt.Sprintf("Unknwn%06d", i)), apikey.ErrInvalidKey)
	}
	if st := e.svc.Stats(); fs.getCount() != 102 || st.UnknownIDs != 501 || st.HashRuns != 0 {
		t.Fatalf("100 random unknown ids: %d store reads (want 102), UnknownIDs %d (want 501), HashRuns %d", fs.getCount(), st.UnknownIDs, st.HashRuns)
	}
	// A key created on this instance under an id that was just found
	// unknown is not refused because of it.
	k, token := e.key("org1")
	mustAuth(t, e, token)
	_ = k
}

// A failed store read is kept for a second too: requests for the id in
// that second get ErrUnavailable (never invalid) without another read.
func TestFailedReadIsKeptForASecond(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	_, token := e.key("org1")
	fs.set(func(f *faultStore) { f.failGet = true })
	for _, tok := range []string{token, forged(token), token, forged(token)} {
		_, err := e.auth(tok)
		checkOneOutcome(t, err, apikey.ErrUnavailable)
	}
	if st := e.svc.Stats(); fs.getCount() != 1 || st.Throttled != 3 || st.Invalid != 0 {
		t.Fatalf("4 requests with the store down: %d reads (want 1), Throttled %d (want 3), Invalid %d", fs.getCount(), st.Throttled, st.Invalid)
	}
	fs.set(func(f *faultStore) { f.failGet = false })
	e.clock.Advance(time.Second)
	mustAuth(t, e, token)
}

// What was read for an id is corrected by a change: a read kept from
// before a revocation (by another instance, learnt from the feed) does not
// let the key in.
func TestChangeFeedCorrectsAKeptRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	b := e.sibling()
	b.sync()
	wantAuthErr(t, b, forged(token), apikey.ErrInvalidKey) // b keeps the live record
	if _, err := e.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
		t.Fatal(err)
	}
	b.sync()
	wantAuthErr(t, b, token, apikey.ErrKeyRevoked)
}
