package apikey_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// After a restart, N distinct valid keys arriving at once (each several
// times) cost exactly N argon2id runs, the slots stay busy until they are
// done, and every request succeeds.
func TestRestartStormRunsArgon2idOncePerKey(t *testing.T) {
	t.Parallel()
	owner := newEnv(t)
	var tokens []string
	for range 24 {
		_, tok := owner.key("org1")
		tokens = append(tokens, tok)
	}
	fresh := owner.sibling(func(c *apikey.Config) { c.MaxConcurrentHashes = 2; c.HashWait = time.Minute })
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(tokens))
	for range 3 {
		for _, tok := range tokens {
			wg.Go(func() {
				if _, err := fresh.auth(tok); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a request in the storm: %v", err)
	}
	if st := fresh.svc.Stats(); st.HashRuns != 24 || st.HashFailures != 0 {
		t.Fatalf("24 keys, 3 requests each: HashRuns %d (want 24), HashFailures %d", st.HashRuns, st.HashFailures)
	}
}

// Requests that wait longer than HashWait get ErrUnavailable and succeed
// on retry, and the retries waste no argon2id run: still exactly one per
// key.
func TestRestartStormWaitersRetry(t *testing.T) {
	t.Parallel()
	owner := newEnv(t)
	var tokens []string
	for range 12 {
		_, tok := owner.key("org1")
		tokens = append(tokens, tok)
	}
	fresh := owner.sibling(func(c *apikey.Config) { c.MaxConcurrentHashes = 1; c.HashWait = time.Millisecond })
	var wg sync.WaitGroup
	errs := make(chan error, len(tokens))
	for _, tok := range tokens {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				_, err := fresh.auth(tok)
				if err == nil {
					return
				}
				if !errors.Is(err, apikey.ErrUnavailable) || attempt == 10_000 {
					errs <- err
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a request in the storm: %v", err)
	}
	st := fresh.svc.Stats()
	if st.HashRuns != 12 {
		t.Fatalf("12 keys with retries: HashRuns %d, want 12", st.HashRuns)
	}
	t.Logf("%d requests waited HashWait in vain and were retried", st.HashTimeouts)
}

// A request for a tagged key that gives up after HashWait leaves its
// argon2id run queued: the run takes the slot as soon as one is free and
// caches the key, so the slots never sit idle while keys wait for their
// retry, and the retry costs no run.
func TestGivenUpRunsKeepTheSlotsBusy(t *testing.T) {
	owner := newEnv(t)
	var tokens []string
	for range 5 {
		_, tok := owner.key("org1")
		tokens = append(tokens, tok)
	}
	fresh := owner.sibling(func(c *apikey.Config) { c.MaxConcurrentHashes = 1; c.HashWait = time.Millisecond })
	release, err := apikey.HoldHashSlot(t.Context(), fresh.svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		_, err := fresh.auth(tok)
		checkOneOutcome(t, err, apikey.ErrUnavailable)
	}
	if st := fresh.svc.Stats(); st.HashRuns != 0 || st.HashTimeouts != 5 {
		t.Fatalf("while the slot is held: HashRuns %d (want 0), HashTimeouts %d (want 5)", st.HashRuns, st.HashTimeouts)
	}
	release()
	// No request is waiting now; the queued runs go on by themselves.
	deadline := time.Now().Add(time.Minute) // a failure bound only
	for fresh.svc.Stats().HashRuns < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("queued runs did not finish: HashRuns %d, want 5", fresh.svc.Stats().HashRuns)
		}
		time.Sleep(time.Millisecond)
	}
	for _, tok := range tokens {
		mustAuth(t, fresh, tok)
	}
	if st := fresh.svc.Stats(); st.HashRuns != 5 || st.HashFailures != 0 {
		t.Fatalf("after the retries: HashRuns %d (want 5), HashFailures %d", st.HashRuns, st.HashFailures)
	}
}

// A request that gives up while its key's run is queued learns when to
// come back: an *UnavailableError (still ErrUnavailable) whose RetryAfter
// grows by one run for each run queued ahead of it.
func TestGivenUpRequestsLearnWhenToRetry(t *testing.T) {
	owner := newEnv(t)
	_, first := owner.key("org1")
	var tokens []string
	for range 4 {
		_, tok := owner.key("org1")
		tokens = append(tokens, tok)
	}
	fresh := owner.sibling(func(c *apikey.Config) { c.MaxConcurrentHashes = 1; c.HashWait = time.Millisecond })
	mustAuth(t, fresh, first) // one run measured
	release, err := apikey.HoldHashSlot(t.Context(), fresh.svc)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if release != nil {
			release()
		}
	}()
	hints := make([]time.Duration, len(tokens))
	for i, tok := range tokens {
		// The first request starts the key's queued run; a request that
		// gives up before the run has joined the queue has no estimate,
		// and its retry joins the same run.
		deadline := time.Now().Add(time.Minute) // a failure bound only
		for {
			_, err := fresh.auth(tok)
			checkOneOutcome(t, err, apikey.ErrUnavailable)
			var ue *apikey.UnavailableError
			if errors.As(err, &ue) {
				hints[i] = ue.RetryAfter
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("key %d: no estimate within a minute: %v", i, err)
			}
		}
	}
	step := hints[1] - hints[0]
	if hints[0] <= 0 || step <= 0 {
		t.Fatalf("RetryAfter %v: want a positive first estimate, growing", hints)
	}
	for i, h := range hints {
		if want := hints[0] + time.Duration(i)*step; h != want {
			t.Errorf("RetryAfter of the run with %d queued ahead = %v, want %v (one run more per run ahead)", i, h, want)
		}
	}
	release()
	release = nil
	for _, tok := range tokens {
		deadline := time.Now().Add(time.Minute) // a failure bound only
		for {
			_, err := fresh.auth(tok)
			if err == nil {
				break
			}
			checkOneOutcome(t, err, apikey.ErrUnavailable)
			if time.Now().After(deadline) {
				t.Fatalf("not served within a minute: %v", err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if st := fresh.svc.Stats(); st.HashRuns != 5 || st.HashFailures != 0 {
		t.Fatalf("HashRuns %d (want 5: one per key), HashFailures %d", st.HashRuns, st.HashFailures)
	}
}
